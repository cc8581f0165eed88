// Every shell script in scripts/ (sub-directories too) and tools/ must be shellcheck-clean
// (Debian's shellcheck) and parse in bash; the Minikube e2e script's profile pre-flight accepts and
// refuses what the program's does.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { describe, expect, it } from "vitest";

import { profileStatusProblem, RUNNING_STATUSES } from "../../lib/image-context/minikube";
import { judgeProfile } from "../../scripts/minikube-profile-status";
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

// The e2e script's Minikube pre-flight, sourced (it then runs no step) against the fake minikube
// (test/fakes/bin/minikube: v1.38.1's `profile list -o json`, its Status from FAKE_MINIKUBE_STATUS).
describe("e2e-minikube.sh: the Minikube profile pre-flight", () => {
  const FAKE_BIN = join(REPO, "test/fakes/bin");
  /** bash by absolute path: one test runs the script with a PATH that has no bash on it. */
  const BASH = execFileSync("bash", ["-c", "command -v bash"], { encoding: "utf8" }).trim();

  function preflight(env: Record<string, string>): { rc: number; stdout: string; stderr: string } {
    const result = spawnSync(
      BASH,
      ["-c", 'source scripts/e2e-minikube.sh; rc=0; minikube_profile_ready || rc=$?; echo "rc=$rc"'],
      {
        cwd: REPO,
        encoding: "utf8",
        timeout: 60_000,
        env: {
          ...process.env,
          PATH: `${FAKE_BIN}${delimiter}${process.env.PATH ?? ""}`,
          MINIKUBE_PROFILE: "e2e",
          ...env,
        },
      },
    );
    const rc = /^rc=(\d+)$/m.exec(result.stdout)?.[1];
    // `fail` exits the shell before the echo: its status is the script's.
    return { rc: rc === undefined ? (result.status ?? -1) : Number(rc), stdout: result.stdout, stderr: result.stderr };
  }

  it.each(["OK", "Running", "HAppy"])("uses a profile in status %s", (status) => {
    const run = preflight({ FAKE_MINIKUBE_PROFILE: "e2e", FAKE_MINIKUBE_STATUS: status });
    expect(run.stderr).not.toContain("E2E FAILED");
    expect(run.rc).toBe(0);
    expect(run.stdout).toContain(`minikube profile 'e2e' is running (status ${status})`);
  });

  it("reports a missing profile (the script then starts it) without failing", () => {
    const run = preflight({ FAKE_MINIKUBE_PROFILE: "other", FAKE_MINIKUBE_STATUS: "OK" });
    expect(run.stderr).not.toContain("E2E FAILED");
    expect(run.rc).toBe(3);
  });

  it.each([
    ["Stopped", "`minikube start -p e2e`"],
    ["Paused", "`minikube unpause -p e2e`"],
    ["Degraded", "`minikube node start <node> -p e2e`"],
    ["InsufficientStorage", "`minikube ssh -p e2e -- docker system prune -a`"],
    ["Starting", "wait until `minikube status -p e2e` settles"],
    ["Unknown", "`minikube logs -p e2e`"],
  ])("refuses a profile in status %s, naming the fix %s", (status, fix) => {
    const run = preflight({ FAKE_MINIKUBE_PROFILE: "e2e", FAKE_MINIKUBE_STATUS: status });
    expect(run.rc).toBe(1);
    expect(run.stdout).not.toContain("rc=");
    expect(run.stderr).toContain(`E2E FAILED: minikube profile "e2e" is not running (status ${status})`);
    expect(run.stderr).toContain(fix);
  });

  it("fails clearly when minikube itself is missing", () => {
    // A PATH with only what the sourced script and node need, so no real minikube can be found.
    const bin = mkdtempSync(join(tmpdir(), "e2e-path-"));
    try {
      for (const tool of ["node", "mktemp", "dirname", "rm"]) {
        const path = execFileSync("bash", ["-c", `command -v ${tool}`], { encoding: "utf8" }).trim();
        symlinkSync(path, join(bin, tool));
      }
      const run = preflight({ PATH: bin });
      expect(run.rc).toBe(1);
      expect(run.stderr).toContain(
        "E2E FAILED: cannot tell whether minikube profile 'e2e' runs: minikube is not installed",
      );
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });

  it("judges exactly the statuses the program's pre-flight accepts", () => {
    expect([...RUNNING_STATUSES].sort()).toEqual(["HAppy", "OK", "Running"]);
    for (const status of ["OK", "Running", "HAppy"]) {
      expect(judgeProfile("p", profileList(status))).toEqual({ code: 0, message: status });
    }
    for (const status of ["Stopped", "Paused", "Degraded"]) {
      expect(judgeProfile("p", profileList(status))).toEqual({ code: 1, message: profileStatusProblem("p", status) });
    }
    expect(judgeProfile("q", profileList("OK")).code).toBe(3);
    const failed = { status: 80, stdout: '{"error":{}}', stderr: "", error: undefined };
    expect(judgeProfile("p", failed)).toEqual({
      code: 2,
      message: '`minikube profile list -o json` exited with 80: {"error":{}}',
    });
  });
});

/** A `minikube profile list -o json` run with one profile "p". */
function profileList(status: string) {
  const stdout = JSON.stringify({ invalid: [], valid: [{ Name: "p", Status: status, Config: { Nodes: [{}] } }] });
  return { status: 0, stdout, stderr: "", error: undefined };
}

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
