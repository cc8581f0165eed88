// kubectl-ai: plain text on stdout with --quiet (non-interactive).
import { describeFailure, runProgram } from "../exec";
import type { AnalyzerOutcome } from "../types";
import { onPath } from "./path";
import type { AnalyzerContext } from "./types";

export function parseKubectlAiOutput(stdout: string, stderr: string): AnalyzerOutcome {
  const text = stdout.trim();
  if (!text) {
    return {
      analyzer: "kubectl-ai",
      ok: false,
      problem: `kubectl-ai printed nothing${stderr.trim() ? `: ${stderr.trim().slice(0, 300)}` : ""}`,
    };
  }
  if (/^(error|Error:)/.test(text)) return { analyzer: "kubectl-ai", ok: false, problem: text.slice(0, 400) };
  return { analyzer: "kubectl-ai", ok: true, explanation: text };
}

export async function analyzeWithKubectlAi(ctx: AnalyzerContext): Promise<AnalyzerOutcome> {
  if (!onPath("kubectl-ai", ctx.env)) {
    return { analyzer: "kubectl-ai", ok: false, problem: "kubectl-ai is not installed (not found on PATH)" };
  }
  const result = await runProgram("kubectl-ai", ["--quiet", ctx.task], { env: ctx.env, timeoutMs: ctx.timeoutMs });
  if (result.exitCode !== 0 || result.timedOut) {
    return { analyzer: "kubectl-ai", ok: false, problem: describeFailure("kubectl-ai", result, ctx.timeoutMs) };
  }
  return parseKubectlAiOutput(result.stdout, result.stderr);
}
