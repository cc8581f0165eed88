// Runs external programs (kubectl, helm, kagent…) with a hard deadline. Every call goes through here so
// a hung binary can never hang a deploy: on timeout the whole process group is killed.
import { spawn } from "node:child_process";

export interface RunOptions {
  /** Environment for the child; defaults to this process's environment. */
  env?: NodeJS.ProcessEnv;
  /** Kill the process (and its children) after this many milliseconds. */
  timeoutMs: number;
  /** Written to the child's stdin, which is then closed. */
  input?: string;
}

export interface RunResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** The executable was not found on PATH. */
  missing: boolean;
}

export function runProgram(program: string, args: string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolve) => {
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    let settled = false;
    const finish = (result: RunResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    // detached: the child leads its own process group, so the timeout also kills its children
    // (kagent starts a port-forward of its own when it cannot reach the URL).
    const child = spawn(program, args, { env: options.env ?? process.env, detached: true, stdio: "pipe" });
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
      // A process stuck in uninterruptible I/O may never emit close; do not wait for it.
      setTimeout(() => finish({ exitCode: null, stdout, stderr, timedOut, missing: false }), 1_000).unref();
    }, options.timeoutMs);
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.stdin.on("error", () => {});
    child.on("error", (error: NodeJS.ErrnoException) => {
      finish({ exitCode: null, stdout, stderr: stderr || error.message, timedOut, missing: error.code === "ENOENT" });
    });
    child.on("close", (code) => finish({ exitCode: code, stdout, stderr, timedOut, missing: false }));
    child.stdin.end(options.input ?? "");
  });
}

export function killGroup(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

/** One line explaining a failed run, for reports. */
export function describeFailure(program: string, result: RunResult, timeoutMs: number): string {
  if (result.missing) return `${program} is not installed (not found on PATH)`;
  if (result.timedOut) return `${program} did not finish within ${Math.round(timeoutMs / 1000)} s and was stopped`;
  const detail = (result.stderr || result.stdout).trim().split("\n").slice(-3).join(" ").slice(0, 400);
  return `${program} exited with code ${result.exitCode}${detail ? `: ${detail}` : ""}`;
}
