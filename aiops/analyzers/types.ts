import type { AnalyzerName } from "../../config/aiops";
import type { LlmProvider } from "../../lib/llm-providers";
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
  /** aiops.llmProvider: which model provider kubectl-ai calls (and so which one key it gets). */
  llmProvider: LlmProvider;
  /** kubectl-ai `--model`; unset keeps the provider default (aiops/analyzers/kubectl-ai-providers.ts). */
  llmModel?: string;
}

export type Analyzer = (ctx: AnalyzerContext) => Promise<AnalyzerOutcome>;
export type { AnalyzerName };
