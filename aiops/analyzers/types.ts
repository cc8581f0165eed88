import type { AnalyzerName } from "../../config/aiops";
import type { AnalyzerOutcome } from "../types";

export interface AnalyzerContext {
  /** The app namespace being analysed. */
  namespace: string;
  context?: string;
  env: NodeJS.ProcessEnv;
  /** Overall deadline for the analyzer, port-forward included. */
  timeoutMs: number;
  /** kagent agent to ask. */
  agent: string;
  /** kagent controller URL; when unset we port-forward to it ourselves. */
  kagentUrl?: string;
  /** The question, facts included, already redacted. */
  task: string;
}

export type Analyzer = (ctx: AnalyzerContext) => Promise<AnalyzerOutcome>;
export type { AnalyzerName };
