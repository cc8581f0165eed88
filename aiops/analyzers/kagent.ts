// kagent (checked against kagent-dev/kagent@v0.9.12, lib/laptop-versions.ts): `kagent invoke`
// (go/core/cli/internal/cli/agent/invoke.go) prints the A2A result as one JSON line on stdout and
// every error as one line on stderr, and exits 0 in both cases, so success is decided from the
// document, never from the exit code. The document is re-encoded by the CLI's A2A library
// (trpc-a2a-go v0.2.5 protocol/types.go): a Task or a Message, always with a "kind".
import { LAPTOP_VERSIONS, versionWarning } from "../../lib/laptop-versions";
import { describeFailure, runProgram } from "../exec";
import { startPortForward } from "../port-forward";
import type { AnalyzerOutcome } from "../types";
import { onPath } from "./path";
import type { AnalyzerContext } from "./types";

/** Namespace and Service of the kagent controller installed by the kagent chart. */
export const KAGENT_NAMESPACE = "kagent";
export const KAGENT_SERVICE = "kagent-controller";
export const KAGENT_PORT = 8083;
/** kagent's own hard cap on one invocation (invoke.go's context.WithTimeout). */
const KAGENT_MAX_SECONDS = 300;
/** `kagent version` asks the controller with a 5 s deadline; more means it is stuck. */
const VERSION_TIMEOUT_MS = 8_000;

/** The kagent release the parser below was checked against. */
const TESTED = `kagent ${LAPTOP_VERSIONS.kagent.newest} (lib/laptop-versions.ts)`;

/** trpc-a2a-go v0.2.5's TaskState values: the only states the pinned CLI can print. */
export const A2A_TASK_STATES = [
  "submitted",
  "working",
  "input-required",
  "completed",
  "canceled",
  "failed",
  "rejected",
  "auth-required",
  "unknown",
] as const;

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

function textOf(parts: Part[] | undefined): string {
  return (parts ?? [])
    .filter((p) => p.kind === "text" && typeof p.text === "string")
    .map((p) => p.text)
    .join("\n")
    .trim();
}

/**
 * Why a parsed document is not one the pinned CLI prints, or undefined when it is. kagent 0.11 (main,
 * a2a-go v2) prints Tasks without "kind", states such as TASK_STATE_COMPLETED and roles such as
 * ROLE_AGENT; guessing at those could report a half-finished task as an answer.
 */
export function unknownShape(doc: unknown): string | undefined {
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) return "not a JSON object";
  const { kind, status } = doc as A2aTask;
  if (kind === "message") return undefined;
  if (kind !== "task") {
    const state = typeof status?.state === "string" ? `, status.state ${JSON.stringify(status.state)}` : "";
    return kind === undefined ? `no "kind"${state}` : `"kind" ${JSON.stringify(kind)}`;
  }
  const state = status?.state;
  if (!A2A_TASK_STATES.includes(state as (typeof A2A_TASK_STATES)[number])) {
    return `task state ${JSON.stringify(state)}`;
  }
  return undefined;
}

/** The stderr line that says why kagent printed nothing, with a hint where the cause is ours. */
function stderrReason(stderr: string): string {
  const text = stderr.trim().split("\n").slice(-3).join(" ").slice(0, 400);
  // invoke.go looks the Agent up by name first; a chart toggle name (argo-rollouts-agent) is not one.
  if (/^Error getting agent metadata: HTTP 404/m.test(stderr)) {
    return `${text} (aiops.agent must be the Agent's metadata.name: kubectl get agents.kagent.dev -n ${KAGENT_NAMESPACE})`;
  }
  return text;
}

/** Reads kagent's stdout/stderr into an outcome. Exported for the recorded-output tests. */
export function parseKagentOutput(stdout: string, stderr: string): AnalyzerOutcome {
  const fail = (problem: string): AnalyzerOutcome => ({ analyzer: "kagent", ok: false, problem });
  const errorText = stderrReason(stderr);
  if (!stdout.trim()) return fail(`kagent printed no result${errorText ? `: ${errorText}` : ""}`);
  let doc: A2aTask;
  try {
    doc = JSON.parse(stdout) as A2aTask;
  } catch {
    return fail(`kagent printed malformed JSON (${stdout.trim().slice(0, 80)}…)`);
  }
  const unknown = unknownShape(doc);
  if (unknown) {
    return fail(
      `kagent printed an A2A document this program does not know (${unknown}); it is tested with ${TESTED}, whose CLI prints a Task or Message with "kind": install that kagent CLI`,
    );
  }
  if (doc.kind === "message") {
    const text = textOf(doc.parts);
    return text ? { analyzer: "kagent", ok: true, explanation: text } : fail("kagent answered with an empty message");
  }
  const state = doc.status?.state;
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

/**
 * The warning for `kagent version`'s stdout, or undefined when the CLI and the controller are in the
 * tested range. version.go prints one JSON object: kagent_version (the CLI), backend_version (the
 * controller, "unknown" when it could not be asked), git_commit, build_date.
 */
export function kagentVersionWarning(stdout: string): string | undefined {
  let info: Record<string, unknown>;
  try {
    info = JSON.parse(stdout) as Record<string, unknown>;
  } catch {
    return `kagent version printed no version JSON (${stdout.trim().slice(0, 60)}); this program is tested with ${TESTED}`;
  }
  const range = LAPTOP_VERSIONS.kagent;
  const warnings = [
    versionWarning("kagent CLI", String(info.kagent_version ?? ""), range),
    info.backend_version === "unknown" || info.backend_version === undefined
      ? undefined
      : versionWarning("kagent controller", String(info.backend_version), range),
  ].filter((warning): warning is string => warning !== undefined);
  return warnings.length > 0 ? warnings.join("; ") : undefined;
}

/** Asks the CLI and the controller for their versions; a slow or failing answer gives no warning. */
async function versionCheck(url: string, ctx: AnalyzerContext, timeoutMs: number): Promise<string | undefined> {
  const result = await runProgram("kagent", ["version", "--kagent-url", url], { env: ctx.env, timeoutMs });
  if (result.timedOut || result.missing || result.exitCode !== 0) return undefined;
  return kagentVersionWarning(result.stdout);
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
    // The version check runs beside the invocation, so it costs no time; it only ever warns.
    const [result, warning] = await Promise.all([
      // The task goes through stdin (-f -): facts can be long and do not belong in `ps` output.
      runProgram("kagent", args, { env: ctx.env, timeoutMs: remainingMs, input: ctx.task }),
      versionCheck(url, ctx, Math.min(VERSION_TIMEOUT_MS, remainingMs)),
    ]);
    const outcome =
      result.timedOut || result.missing || (result.exitCode !== 0 && !result.stdout.trim())
        ? { analyzer: "kagent" as const, ok: false, problem: describeFailure("kagent invoke", result, remainingMs) }
        : parseKagentOutput(result.stdout, result.stderr);
    return warning ? { ...outcome, warning } : outcome;
  } finally {
    stopForward();
  }
}
