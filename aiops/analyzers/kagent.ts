// kagent: `kagent invoke` prints one A2A Task (or Message) as JSON and exits 0 even when it failed,
// so success is decided from the document, never from the exit code.
import { describeFailure, runProgram } from "../exec";
import { startPortForward } from "../port-forward";
import type { AnalyzerOutcome } from "../types";
import { onPath } from "./path";
import type { AnalyzerContext } from "./types";

/** Namespace and Service of the kagent controller installed by the kagent chart. */
export const KAGENT_NAMESPACE = "kagent";
export const KAGENT_SERVICE = "kagent-controller";
export const KAGENT_PORT = 8083;
/** kagent's own hard cap on one invocation. */
const KAGENT_MAX_SECONDS = 300;

interface Part {
  kind?: string;
  text?: string;
}
interface A2aMessage {
  kind?: string;
  role?: string;
  parts?: Part[];
}
interface A2aTask {
  kind?: string;
  status?: { state?: string; message?: A2aMessage };
  artifacts?: { parts?: Part[] }[];
  history?: A2aMessage[];
  parts?: Part[];
}

/** `completed`, `TASK_STATE_COMPLETED` and `Completed` all mean the same state. */
export function normalizeState(state: string | undefined): string {
  return (state ?? "unknown")
    .toLowerCase()
    .replace(/^task_state_/, "")
    .replace(/_/g, "-");
}

function textOf(parts: Part[] | undefined): string {
  return (parts ?? [])
    .filter((p) => (p.kind ?? "text") === "text" && typeof p.text === "string")
    .map((p) => p.text)
    .join("\n")
    .trim();
}

/** Reads kagent's stdout/stderr into an outcome. Exported for the recorded-output tests. */
export function parseKagentOutput(stdout: string, stderr: string): AnalyzerOutcome {
  const fail = (problem: string): AnalyzerOutcome => ({ analyzer: "kagent", ok: false, problem });
  const errorText = stderr.trim().split("\n").slice(-3).join(" ").slice(0, 400);
  if (!stdout.trim()) return fail(`kagent printed no result${errorText ? `: ${errorText}` : ""}`);
  let doc: A2aTask;
  try {
    doc = JSON.parse(stdout) as A2aTask;
  } catch {
    return fail(`kagent printed malformed JSON (${stdout.trim().slice(0, 80)}…)`);
  }
  if (!doc || typeof doc !== "object") return fail("kagent printed JSON that is not an A2A Task");
  if (doc.kind === "message") {
    const text = textOf(doc.parts);
    return text ? { analyzer: "kagent", ok: true, explanation: text } : fail("kagent answered with an empty message");
  }
  const state = normalizeState(doc.status?.state);
  if (state !== "completed") {
    const reason = textOf(doc.status?.message?.parts) || errorText;
    return fail(`kagent task ended in state "${state}"${reason ? `: ${reason}` : ""}`);
  }
  const fromArtifacts = (doc.artifacts ?? [])
    .map((a) => textOf(a.parts))
    .filter(Boolean)
    .join("\n\n");
  const lastAgentMessage = [...(doc.history ?? [])].reverse().find((m) => m.role === "agent");
  const explanation = fromArtifacts || textOf(lastAgentMessage?.parts);
  return explanation
    ? { analyzer: "kagent", ok: true, explanation }
    : fail("kagent completed the task without any text");
}

export async function analyzeWithKagent(ctx: AnalyzerContext): Promise<AnalyzerOutcome> {
  if (!onPath("kagent", ctx.env)) {
    return { analyzer: "kagent", ok: false, problem: "kagent is not installed (not found on PATH)" };
  }
  const started = Date.now();
  let url = ctx.kagentUrl;
  let stopForward = () => {};
  if (!url) {
    try {
      const forward = await startPortForward({
        context: ctx.context,
        namespace: KAGENT_NAMESPACE,
        service: KAGENT_SERVICE,
        remotePort: KAGENT_PORT,
        env: ctx.env,
        readyTimeoutMs: Math.min(10_000, ctx.timeoutMs),
      });
      url = forward.url;
      stopForward = forward.stop;
    } catch (error) {
      return { analyzer: "kagent", ok: false, problem: `kagent controller unreachable: ${(error as Error).message}` };
    }
  }
  try {
    const remainingMs = Math.max(1_000, ctx.timeoutMs - (Date.now() - started));
    const innerSeconds = Math.min(KAGENT_MAX_SECONDS, Math.ceil(remainingMs / 1000));
    const args = ["invoke", "-a", ctx.agent, "-n", KAGENT_NAMESPACE, "-f", "-", "--kagent-url", url];
    args.push("--timeout", `${innerSeconds}s`);
    // The task goes through stdin (-f -): facts can be long and do not belong in `ps` output.
    const result = await runProgram("kagent", args, { env: ctx.env, timeoutMs: remainingMs, input: ctx.task });
    if (result.timedOut || result.missing || (result.exitCode !== 0 && !result.stdout.trim())) {
      return { analyzer: "kagent", ok: false, problem: describeFailure("kagent invoke", result, remainingMs) };
    }
    return parseKagentOutput(result.stdout, result.stderr);
  } finally {
    stopForward();
  }
}
