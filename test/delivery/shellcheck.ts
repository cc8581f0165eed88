// Where shellcheck is. CI gets it from Debian (`apt-get install -y shellcheck` in .ci/run and the
// ci workflow); no npm package ships the binary without a download at install time.
import { execFileSync } from "node:child_process";

let cached: string | undefined | null = null;

/**
 * Path of a working shellcheck, or undefined locally when it is missing (the caller skips).
 * Under CI=true a missing shellcheck throws: lint tests must never be skipped there.
 */
export function shellcheckPath(): string | undefined {
  if (cached !== null) return cached;
  const candidate = process.env.SHELLCHECK ?? "shellcheck";
  try {
    execFileSync(candidate, ["--version"], { stdio: "pipe" });
    cached = candidate;
  } catch {
    if (process.env.CI === "true") {
      throw new Error("CI=true and shellcheck is missing: install it with `apt-get install -y shellcheck`");
    }
    console.warn("skipping shellcheck tests: shellcheck is not installed (apt-get install -y shellcheck)");
    cached = undefined;
  }
  return cached;
}
