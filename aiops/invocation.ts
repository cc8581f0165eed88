// The AIOps analysis process as the health check's Command starts it (components/health.ts): node
// with aiops/cli.ts and the CliArgsJson document as the last argument, in the repository root. Pure.
import * as path from "node:path";
import type { AiopsConfig } from "../config/aiops";
import type { CliArgsJson } from "./cli";
import type { HealthReport } from "./types";

export interface HealthReleaseRef {
  name: string;
  revision: number;
  status: string;
  imageRef: string;
}

/** Repo root: where `aiops/cli.ts` and ts-node live; the Command's working directory. */
export const REPO_ROOT = path.resolve(__dirname, "..");

/**
 * What the Command execs: node itself, never a shell (the command provider uses `/bin/sh -c` or
 * `cmd /C` only without an interpreter). The provider appends `create`, the CliArgsJson document, as
 * the last argument, so `--args-json` takes it whole: nothing is split or quoted on any platform.
 */
export const HEALTH_INTERPRETER: readonly string[] = [
  "node",
  "-r",
  "ts-node/register/transpile-only",
  "aiops/cli.ts",
  "--args-json",
];

export interface DiagnoseInput {
  namespace: string;
  kubeContext?: string;
  releases: HealthReleaseRef[];
  aiops: AiopsConfig;
  redactSecretNames: string[];
}

/** The analysis options the Command hands the CLI. Pure. */
export function diagnoseArgs(input: DiagnoseInput): CliArgsJson {
  const { aiops } = input;
  return {
    namespace: input.namespace,
    ...(input.kubeContext ? { context: input.kubeContext } : {}),
    analyzer: aiops.analyzer,
    timeoutSeconds: aiops.timeoutSeconds,
    historySize: aiops.historySize,
    failOn: aiops.failOn,
    agent: aiops.agent,
    ...(aiops.kagentUrl ? { kagentUrl: aiops.kagentUrl } : {}),
    // Only kubectl-ai reads it; left out otherwise so a provider change re-runs nothing.
    ...(aiops.analyzer === "kubectl-ai" ? { llmProvider: aiops.llmProvider } : {}),
    revisions: Object.fromEntries(input.releases.map((r) => [r.name, r.revision])),
    redactSecretNames: input.redactSecretNames,
    record: true,
  };
}

/**
 * The exact process the Command starts: `interpreter` with `create` appended as the last argument,
 * run in REPO_ROOT. Pure, so tests (and scripts/local-cluster/engine.ts) run it without Pulumi.
 */
export function diagnoseInvocation(input: DiagnoseInput): { interpreter: string[]; create: string } {
  return { interpreter: [...HEALTH_INTERPRETER], create: JSON.stringify(diagnoseArgs(input)) };
}

/** The report from the command's stdout (its last line: the CLI prints one JSON document). */
export function parseReport(stdout: string): HealthReport {
  const line = stdout.trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(line) as HealthReport;
  } catch {
    throw new Error(`AiHealthCheck: the analysis printed no report JSON (stdout: ${stdout.slice(0, 200)})`);
  }
}
