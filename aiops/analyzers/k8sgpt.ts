// k8sgpt: `analyze --explain -o json` prints its own problem list with AI `details` per object.
import { describeFailure, runProgram } from "../exec";
import type { AnalyzerOutcome } from "../types";
import { onPath } from "./path";
import type { AnalyzerContext } from "./types";

interface K8sgptOutput {
  status?: string;
  errors?: string[] | null;
  results?: { kind?: string; name?: string; error?: { Text?: string }[]; details?: string }[] | null;
}

export function parseK8sgptOutput(stdout: string): AnalyzerOutcome {
  const fail = (problem: string): AnalyzerOutcome => ({ analyzer: "k8sgpt", ok: false, problem });
  let doc: K8sgptOutput;
  try {
    doc = JSON.parse(stdout) as K8sgptOutput;
  } catch {
    return fail(`k8sgpt printed malformed JSON (${stdout.trim().slice(0, 80)}…)`);
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

export async function analyzeWithK8sgpt(ctx: AnalyzerContext): Promise<AnalyzerOutcome> {
  if (!onPath("k8sgpt", ctx.env)) {
    return { analyzer: "k8sgpt", ok: false, problem: "k8sgpt is not installed (not found on PATH)" };
  }
  const args = ["analyze", "--explain", "-o", "json", "-n", ctx.namespace];
  if (ctx.context) args.push("--kubecontext", ctx.context);
  const result = await runProgram("k8sgpt", args, { env: ctx.env, timeoutMs: ctx.timeoutMs });
  if (result.exitCode !== 0 || result.timedOut) {
    return { analyzer: "k8sgpt", ok: false, problem: describeFailure("k8sgpt analyze", result, ctx.timeoutMs) };
  }
  return parseK8sgptOutput(result.stdout);
}
