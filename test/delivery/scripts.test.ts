// Every shell script in scripts/ (sub-directories too) and tools/ must be shellcheck-clean
// (Debian's shellcheck) and parse in bash.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

import { shellcheckPath } from "./shellcheck";

const REPO = join(__dirname, "../..");
const SCRIPTS_DIR = join(REPO, "scripts");
/** A file without an extension that starts with a POSIX shell line (a plugin launcher). */
const isShellLauncher = (path: string) =>
  !/\.[a-z]+$/.test(path) && statSync(path).isFile() && readFileSync(path, "utf8").startsWith("#!/bin/sh\n");
/** Repo-relative paths of the shell scripts under scripts/ and tools/ (.sh files and launchers). */
const scripts = ["scripts", "tools"].flatMap((dir) =>
  (readdirSync(join(REPO, dir), { recursive: true }) as string[])
    .filter((file) => file.endsWith(".sh") || isShellLauncher(join(REPO, dir, file)))
    .map((file) => join(dir, file)),
);

function shellcheck(args: string[], input?: string): { status: number; output: string } {
  try {
    const output = execFileSync(shellcheckPath() as string, args, { input, stdio: "pipe" }).toString();
    return { status: 0, output };
  } catch (error) {
    const err = error as { status?: number; stdout?: Buffer };
    return { status: err.status ?? 1, output: err.stdout?.toString() ?? "" };
  }
}

describe("scripts/*.sh", () => {
  it("includes the minikube end-to-end script", () => {
    expect(scripts).toContain("scripts/e2e-minikube.sh");
    expect(scripts).toContain("scripts/local-cluster/cluster.sh");
    expect(scripts).toContain("tools/toolchain/build.sh");
    expect(scripts).toContain("scripts/local-cluster/plugins/pulumi-analyzer-policy-nodejs");
  });

  it("the e2e script checks the deployed stack against the policy pack in its no-change preview", () => {
    const script = readFileSync(join(SCRIPTS_DIR, "e2e-minikube.sh"), "utf8");
    expect(script).toContain('pulumi preview --stack "$STACK" --expect-no-changes --policy-pack policy');
  });

  it.each(scripts)("%s is executable and parses in bash", (file) => {
    const path = join(REPO, file);
    expect(statSync(path).mode & 0o111).not.toBe(0);
    execFileSync("bash", ["-n", path], { stdio: "pipe" });
  });
});

describe.runIf(shellcheckPath())("scripts under shellcheck", () => {
  it.each(scripts)("%s is shellcheck-clean", (file) => {
    const result = shellcheck(["--severity=style", "--external-sources", join(REPO, file)]);
    expect(result.output).toBe("");
    expect(result.status).toBe(0);
  });

  it("shellcheck really reports a bad script (guards against a no-op linter)", () => {
    const bad = shellcheck(["--shell=bash", "-"], "echo $1\n");
    expect(bad.status).not.toBe(0);
    expect(bad.output).toContain("SC2086");
  });
});
