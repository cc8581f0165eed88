// kubectl-ai (checked against GoogleCloudPlatform/kubectl-ai@v0.0.28): `--quiet` with the task on stdin
// runs one agent turn and prints its terminal UI transcript on stdout. That transcript is not plain
// text: pkg/ui/terminal.go colours each message (red errors, green tool calls and agent notices,
// uncoloured model text rendered by glamour), and several failures exit 0, so success is decided
// from the transcript, never from the exit code alone.
import { join } from "node:path";
import { describeFailure, type RunResult, runProgram } from "../exec";
import { writePinnedKubeconfig } from "../pinned-kubeconfig";
import { SCRUBBED_ENV } from "../scrubbed-env";
import type { AnalyzerOutcome } from "../types";
import { KUBECTL_AI_PROVIDERS, type KubectlAiProvider, supportedKubectlAiProviders } from "./kubectl-ai-providers";
import { onPath } from "./path";
import type { AnalyzerContext } from "./types";

/** Agent notices that pkg/agent/conversation.go prints as text (exit 0) when the turn produced no answer. */
export const MAX_ITERATIONS_NOTICE = "Maximum number of iterations reached.";
export const EMPTY_RESPONSE_NOTICE = "Empty response from LLM";
/** The red message of a RunOnce turn that wanted to modify the cluster (conversation.go). */
export const PERMISSION_REFUSAL = "RunOnce mode cannot handle permission requests.";

/** Never handed to kubectl-ai, whose bash tool could print its environment to the model. */

export type SegmentColour = "plain" | "red" | "green" | "white";
export interface TerminalSegment {
  colour: SegmentColour;
  text: string;
}

export interface KubectlAiTranscript {
  /** The commands of the `Running: <command>` lines, in order. */
  toolCalls: string[];
  /** Red messages (api.MessageTypeError). */
  errors: string[];
  /** Green messages other than tool calls: agent notices such as MAX_ITERATIONS_NOTICE. */
  notices: string[];
  /** The model's text after the last tool call: the answer. */
  answer: string;
  /**
   * Whether the last message was an error. Fatal errors end the turn (conversation.go adds them last);
   * the agent goes on after some red messages ("Timeout reached after 7 seconds" of a streaming tool
   * call, an interactive command refused), and the model may still answer after them.
   */
  endsWithError: boolean;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes are what we parse.
const SGR = /\x1b\[([0-9;]*)m/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: any other CSI/OSC sequence (e.g. ClearScreen) is dropped.
const OTHER_ESCAPES = /\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07/g;

/** The colour terminal.go switches to: 31 red, 32 green, 37 white, 0 (its only reset) back to none. */
function colourOf(code: string, current: SegmentColour): SegmentColour {
  if (code === "31") return "red";
  if (code === "32") return "green";
  if (code === "37") return "white";
  if (code === "0" || code === "") return "plain";
  return current;
}

/** Splits stdout at its colour codes; each message of terminal.go handleMessage is one segment. */
export function terminalSegments(stdout: string): TerminalSegment[] {
  const segments: TerminalSegment[] = [];
  let colour: SegmentColour = "plain";
  let from = 0;
  const push = (text: string) => {
    const clean = text.replace(OTHER_ESCAPES, "");
    if (clean.trim()) segments.push({ colour, text: clean });
  };
  for (const match of stdout.matchAll(SGR)) {
    push(stdout.slice(from, match.index));
    colour = colourOf(match[1] ?? "", colour);
    from = (match.index ?? 0) + match[0].length;
  }
  push(stdout.slice(from));
  return segments;
}

/** glamour's notty rendering minus its layout: trailing padding, blank edges and the 2-space margin. */
export function cleanRendered(text: string): string {
  const lines = text.split("\n").map((line) => line.trimEnd());
  while (lines.length > 0 && !lines[0]) lines.shift();
  while (lines.length > 0 && !lines[lines.length - 1]) lines.pop();
  const indents = lines.filter(Boolean).map((line) => line.length - line.trimStart().length);
  const margin = indents.length > 0 ? Math.min(...indents) : 0;
  return lines.map((line) => line.slice(margin)).join("\n");
}

/** What kubectl-ai said, by kind of message. Pure. */
export function readKubectlAiTranscript(stdout: string): KubectlAiTranscript {
  const transcript: KubectlAiTranscript = { toolCalls: [], errors: [], notices: [], answer: "", endsWithError: false };
  let answerParts: string[] = [];
  for (const segment of terminalSegments(stdout)) {
    const text = cleanRendered(segment.text);
    transcript.endsWithError = segment.colour === "red";
    if (segment.colour === "red") {
      transcript.errors.push(text);
    } else if (segment.colour === "green") {
      const running = /^Running: ([\s\S]+)$/.exec(text);
      if (running?.[1]) {
        transcript.toolCalls.push(running[1]);
        // Text before a tool call is narration; the answer is what the model says after the last one.
        answerParts = [];
      } else {
        transcript.notices.push(text);
      }
    } else {
      answerParts.push(text);
    }
  }
  transcript.answer = answerParts.join("\n\n").trim();
  return transcript;
}

/**
 * The error of a failed run from stderr: cobra prints "Error: <err>" and the usage, then cmd/main.go
 * prints the error again; the first "Error: " line is the one to show.
 */
export function stderrError(stderr: string): string {
  const lines = stderr.split("\n").map((line) => line.trim());
  const cobra = lines.find((line) => line.startsWith("Error: "));
  return (cobra ? cobra.slice("Error: ".length) : (lines.filter(Boolean).pop() ?? "")).slice(0, 400);
}

function keyHint(message: string, provider: KubectlAiProvider): string {
  if (!provider.keyVariable || !message.includes(provider.keyVariable)) return "";
  return ` (export ${provider.keyVariable} where pulumi up or npm run diagnose runs: kubectl-ai gets that variable and no other LLM key)`;
}

/** The outcome of one kubectl-ai run, from its exit code, streams and transcript. Pure. */
export function interpretKubectlAiRun(
  result: RunResult,
  timeoutMs: number,
  provider: KubectlAiProvider,
): AnalyzerOutcome {
  const fail = (problem: string): AnalyzerOutcome => ({ analyzer: "kubectl-ai", ok: false, problem });
  if (result.missing) return fail("kubectl-ai is not installed (not found on PATH)");
  const transcript = readKubectlAiTranscript(result.stdout);
  const calls = `${transcript.toolCalls.length} kubectl-ai tool call(s)`;
  const fatal = result.exitCode !== 0 || result.timedOut || transcript.endsWithError || !transcript.answer;
  if (transcript.errors.length > 0 && fatal) {
    // An LLM error can leave kubectl-ai waiting forever (its UI only notices the exit on a message).
    const how = result.timedOut ? ` and then did not exit within ${Math.round(timeoutMs / 1000)} s` : "";
    const last = transcript.errors[transcript.errors.length - 1] ?? "";
    const hint = last.startsWith(PERMISSION_REFUSAL)
      ? " (we run it with --skip-permissions=false, so it may only read the cluster: check those commands and run them yourself)"
      : "";
    return fail(`kubectl-ai reported an error${how}: ${transcript.errors.join(" | ").slice(0, 400)}${hint}`);
  }
  if (transcript.notices.includes(MAX_ITERATIONS_NOTICE)) {
    return fail(
      `kubectl-ai gave up without an answer: "${MAX_ITERATIONS_NOTICE}" after ${calls} (maxIterations in ~/.config/kubectl-ai/config.yaml, default 20)`,
    );
  }
  if (transcript.notices.includes(EMPTY_RESPONSE_NOTICE)) {
    return fail(`kubectl-ai got no answer from the model: "${EMPTY_RESPONSE_NOTICE}" after ${calls}`);
  }
  if (result.timedOut) return fail(describeFailure("kubectl-ai", result, timeoutMs));
  if (result.exitCode !== 0) {
    const message = stderrError(result.stderr) || stderrError(result.stdout);
    return fail(`kubectl-ai exited with code ${result.exitCode}: ${message}${keyHint(message, provider)}`);
  }
  if (!transcript.answer) {
    const detail = stderrError(result.stderr);
    return fail(`kubectl-ai printed no answer${detail ? `: ${detail}` : ""}`);
  }
  return { analyzer: "kubectl-ai", ok: true, explanation: transcript.answer };
}

/**
 * The command line. `--quiet` with stdin data and no positional argument makes cmd/main.go
 * resolveQueryInput read the whole of stdin as the query. The explicit defaults keep a user's
 * ~/.config/kubectl-ai/config.yaml (which cmd/main.go loads first) from turning the health check into
 * a web UI, an MCP server, or a run that modifies the cluster without asking.
 */
export function kubectlAiArgs(options: {
  kubeconfig: string;
  tracePath: string;
  provider: KubectlAiProvider;
  model?: string;
}): string[] {
  const model = options.model ?? options.provider.defaultModelArg;
  return [
    "--quiet",
    "--kubeconfig",
    options.kubeconfig,
    "--llm-provider",
    options.provider.id,
    ...(model === undefined ? [] : [`--model=${model}`]),
    "--ui-type=terminal",
    "--mcp-server=false",
    "--skip-permissions=false",
    "--show-tool-output=false",
    // The agent's scratch directory (files the model wrote with kubectl) goes with the run.
    "--remove-workdir",
    // The trace holds the whole conversation, tool output included: keep it in our private dir.
    "--trace-path",
    options.tracePath,
  ];
}

/** The child's environment: the pinned kubeconfig, and of all LLM keys only the provider's own. Pure. */
export function kubectlAiEnv(
  env: NodeJS.ProcessEnv,
  provider: KubectlAiProvider,
  kubeconfig: string,
): NodeJS.ProcessEnv {
  const child: NodeJS.ProcessEnv = { ...env, KUBECONFIG: kubeconfig };
  for (const name of SCRUBBED_ENV) {
    if (name !== provider.keyVariable) delete child[name];
  }
  return child;
}

export async function analyzeWithKubectlAi(ctx: AnalyzerContext): Promise<AnalyzerOutcome> {
  const fail = (problem: string): AnalyzerOutcome => ({ analyzer: "kubectl-ai", ok: false, problem });
  if (!onPath("kubectl-ai", ctx.env)) return fail("kubectl-ai is not installed (not found on PATH)");
  const provider = KUBECTL_AI_PROVIDERS[ctx.llmProvider];
  if (!provider) {
    return fail(
      `kubectl-ai 0.0.28 cannot use aiops.llmProvider ${ctx.llmProvider} (it has no such provider); set aiops.llmProvider to one of ${supportedKubectlAiProviders().join(", ")}, or aiops.analyzer to kagent or k8sgpt`,
    );
  }
  const started = Date.now();
  const pinned = await writePinnedKubeconfig({
    context: ctx.context,
    env: ctx.env,
    timeoutMs: Math.min(10_000, ctx.timeoutMs),
  });
  if ("problem" in pinned) {
    return fail(
      `kubectl-ai has no --context flag and could not be pinned to ${ctx.context ?? "the current context"}: ${pinned.problem}`,
    );
  }
  try {
    const remainingMs = Math.max(1_000, ctx.timeoutMs - (Date.now() - started));
    const args = kubectlAiArgs({
      kubeconfig: pinned.path,
      tracePath: join(pinned.dir, "trace.txt"),
      provider,
      model: ctx.llmModel,
    });
    // The task goes through stdin: facts can be long and do not belong in `ps` output.
    const result = await runProgram("kubectl-ai", args, {
      env: kubectlAiEnv(ctx.env, provider, pinned.path),
      timeoutMs: remainingMs,
      input: ctx.task,
    });
    return interpretKubectlAiRun(result, remainingMs, provider);
  } finally {
    pinned.remove();
  }
}
