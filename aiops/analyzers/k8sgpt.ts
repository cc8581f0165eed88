// k8sgpt (checked against k8sgpt-ai/k8sgpt@v0.4.36): `analyze --explain -o json` prints its own problem
// list with the AI's `details` per object (pkg/analysis/output.go). Every failure, a missing AI backend
// included, is printed by cmd/analyze/analyze.go as "Error: <err>" on stdout (fatih/color, plain when
// stdout is a pipe), never on stderr, followed by exit code 1.
import type { LlmProvider } from "../../lib/llm-providers";
import { describeFailure, type RunResult, runProgram } from "../exec";
import type { AnalyzerOutcome } from "../types";
import { onPath } from "./path";
import type { AnalyzerContext } from "./types";

/** pkg/analysis/output.go JsonOutput; a Failure (pkg/common/types.go) has no json tags, hence `Text`. */
interface K8sgptOutput {
  provider?: string;
  errors?: string[] | null;
  status?: string;
  problems?: number;
  results?:
    | { kind?: string; name?: string; error?: { Text?: string }[] | null; details?: string; parentObject?: string }[]
    | null;
}

/** Our aiops.llmProvider as the `--backend` name k8sgpt's `auth add` takes (pkg/ai/*.go client names). */
export const K8SGPT_BACKENDS: Record<LlmProvider, string> = {
  openai: "openai",
  anthropic: "anthropic",
  azureopenai: "azureopenai",
  ollama: "ollama",
  gemini: "google",
};

/** NewAnalysis' errors when --explain finds no usable provider (pkg/analysis/analysis.go). */
const NO_BACKEND = /Please run k8sgpt auth/;

export function parseK8sgptOutput(stdout: string): AnalyzerOutcome {
  const fail = (problem: string): AnalyzerOutcome => ({ analyzer: "k8sgpt", ok: false, problem });
  let doc: K8sgptOutput;
  try {
    doc = JSON.parse(stdout) as K8sgptOutput;
  } catch {
    return fail(`k8sgpt printed malformed JSON (${stdout.trim().slice(0, 80)}…)`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc) || !("status" in doc) || !("results" in doc)) {
    return fail(
      `k8sgpt printed JSON without the status and results of \`analyze -o json\` (${stdout.trim().slice(0, 80)}…); k8sgpt 0.4.36 is the version this was checked against`,
    );
  }
  const results = doc.results ?? [];
  const explained = results
    .map((r) => {
      const problems = (r.error ?? [])
        .map((e) => e.Text)
        .filter(Boolean)
        .join("; ");
      const details = (r.details ?? "").trim();
      return `${r.kind ?? "Object"} ${r.name ?? "?"}: ${details || problems}`;
    })
    .join("\n");
  if (doc.errors && doc.errors.length > 0 && results.every((r) => !r.details)) {
    return fail(`k8sgpt reported errors: ${doc.errors.join("; ").slice(0, 400)}`);
  }
  if (results.length === 0) return { analyzer: "k8sgpt", ok: true, explanation: "k8sgpt found no problems." };
  return { analyzer: "k8sgpt", ok: true, explanation: explained };
}

/** The "Error: …" line k8sgpt printed on stdout (else the last line of either stream). */
export function k8sgptError(result: RunResult): string {
  const lines = `${result.stdout}\n${result.stderr}`.split("\n").map((line) => line.trim());
  const error = lines.find((line) => line.startsWith("Error: "));
  return (error ? error.slice("Error: ".length) : (lines.filter(Boolean).pop() ?? "")).slice(0, 400);
}

/** The outcome of a finished `k8sgpt analyze` run. Pure. */
export function interpretK8sgptRun(result: RunResult, timeoutMs: number, provider: LlmProvider): AnalyzerOutcome {
  const fail = (problem: string): AnalyzerOutcome => ({ analyzer: "k8sgpt", ok: false, problem });
  if (result.missing || result.timedOut) return fail(describeFailure("k8sgpt analyze", result, timeoutMs));
  if (result.exitCode !== 0) {
    const message = k8sgptError(result);
    if (NO_BACKEND.test(message)) {
      const backend = K8SGPT_BACKENDS[provider];
      return fail(
        `k8sgpt has no AI backend configured ("${message}"): run \`k8sgpt auth add --backend ${backend} --model <model>\` (it asks for the key; \`k8sgpt auth default --provider ${backend}\` if you have several), then diagnose again, or set aiops.analyzer to kagent or kubectl-ai`,
      );
    }
    return fail(`k8sgpt analyze exited with code ${result.exitCode}${message ? `: ${message}` : ""}`);
  }
  return parseK8sgptOutput(result.stdout);
}

export async function analyzeWithK8sgpt(ctx: AnalyzerContext): Promise<AnalyzerOutcome> {
  if (!onPath("k8sgpt", ctx.env)) {
    return { analyzer: "k8sgpt", ok: false, problem: "k8sgpt is not installed (not found on PATH)" };
  }
  const args = ["analyze", "--explain", "-o", "json", "-n", ctx.namespace];
  if (ctx.context) args.push("--kubecontext", ctx.context);
  const result = await runProgram("k8sgpt", args, { env: ctx.env, timeoutMs: ctx.timeoutMs });
  return interpretK8sgptRun(result, ctx.timeoutMs, ctx.llmProvider);
}
