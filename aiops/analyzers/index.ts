import type { AnalyzerName } from "../../config/aiops";
import type { AnalyzerOutcome } from "../types";
import { analyzeWithK8sgpt } from "./k8sgpt";
import { analyzeWithKagent } from "./kagent";
import { analyzeWithKubectlAi } from "./kubectl-ai";
import type { AnalyzerContext } from "./types";

export type { AnalyzerContext } from "./types";

export async function runAnalyzer(name: AnalyzerName, ctx: AnalyzerContext): Promise<AnalyzerOutcome> {
  switch (name) {
    case "kagent":
      return analyzeWithKagent(ctx);
    case "k8sgpt":
      return analyzeWithK8sgpt(ctx);
    case "kubectl-ai":
      return analyzeWithKubectlAi(ctx);
    case "none":
      return { analyzer: "none", ok: false, problem: "no analyzer configured (aiops.analyzer is none)" };
    default: {
      const unknown: never = name;
      throw new Error(`unknown analyzer ${String(unknown)}`);
    }
  }
}
