// One health analysis: facts → verdict → analyzer explanation → redacted report (→ history).
import { type AiopsConfig, analysisAnalyzer } from "../config/aiops";
import { runAnalyzer } from "./analyzers";
import { collectFacts } from "./facts";
import { appendHistory } from "./history";
import type { KubeTarget } from "./kubectl";
import { Redactor, secretValuesFromCluster } from "./redact";
import { analyzerTask, buildReport, formatDiagnosis } from "./report";
import type { AnalyzerOutcome, ClusterFacts, HealthReport, PodFacts } from "./types";
import { decideVerdict } from "./verdict";

export interface DiagnoseOptions {
  namespace: string;
  context?: string;
  aiops: AiopsConfig;
  /** Release name → Helm revision, recorded in the report. */
  revisions?: Record<string, number>;
  /** Kubernetes Secrets in the namespace whose values must never be printed. */
  redactSecretNames?: string[];
  /** Further secret values (from a file, never from args or env). */
  secretValues?: string[];
  /** Append the report to the aiops-history ConfigMap. */
  recordHistory?: boolean;
  /** Analyzer deadline in ms; defaults to aiops.timeoutSeconds (tests use a short one). */
  analyzerTimeoutMs?: number;
  /** See VerdictOptions: used after a failed deploy, whose pods Helm already rolled away. */
  keepEventsOfGonePods?: boolean;
  /** Pods the rollout watch saw crash during a failed deploy; those gone now are reported as such. */
  rolloutPods?: PodFacts[];
  /** kubectl-ai `--model` (npm run diagnose --llm-model); unset keeps the provider's default. */
  llmModel?: string;
  env?: NodeJS.ProcessEnv;
  now?: Date;
}

export interface Diagnosis {
  report: HealthReport;
  /** Human-readable diagnosis, redacted. */
  text: string;
  /** Set when the report could not be written to the history. */
  historyProblem?: string;
}

/** Never trust a child-process deadline alone: the analyzer as a whole also races a timer. */
async function withDeadline(promise: Promise<AnalyzerOutcome>, ms: number, analyzer: AnalyzerOutcome["analyzer"]) {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<AnalyzerOutcome>((resolve) => {
    timer = setTimeout(
      () => resolve({ analyzer, ok: false, problem: `${analyzer} did not answer within ${Math.round(ms / 1000)} s` }),
      ms,
    );
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function withRolloutPods(facts: ClusterFacts, rolloutPods: PodFacts[] = []): ClusterFacts {
  if (facts.error || rolloutPods.length === 0) return facts;
  const current = new Set(facts.pods.map((p) => p.name));
  return { ...facts, rolledBackPods: rolloutPods.filter((p) => !current.has(p.name)) };
}

export async function diagnose(options: DiagnoseOptions): Promise<Diagnosis> {
  const env = options.env ?? process.env;
  const target: KubeTarget = { namespace: options.namespace, context: options.context, env };
  const secrets = [
    ...(options.secretValues ?? []),
    ...(await secretValuesFromCluster(target, options.redactSecretNames ?? [])),
  ];
  const redactor = new Redactor(secrets);
  // Redact before anything leaves this process, the analyzer's prompt included.
  const facts = redactor.deep(withRolloutPods(await collectFacts(target), options.rolloutPods));
  const verdict = decideVerdict(facts, { keepEventsOfGonePods: options.keepEventsOfGonePods });
  const timeoutMs = options.analyzerTimeoutMs ?? options.aiops.timeoutSeconds * 1000;
  // off runs no health check, but the error hook still diagnoses a failed release: from facts alone.
  const analyzer = analysisAnalyzer(options.aiops);
  let outcome: AnalyzerOutcome;
  if (analyzer === "none") {
    outcome = { analyzer, ok: false, problem: `no analyzer configured (aiops.analyzer is ${options.aiops.analyzer})` };
  } else if (facts.error) {
    outcome = { analyzer, ok: false, problem: "skipped: the cluster facts could not be read" };
  } else {
    const context = {
      namespace: options.namespace,
      context: options.context,
      env,
      timeoutMs,
      agent: options.aiops.agent,
      kagentUrl: options.aiops.kagentUrl,
      llmProvider: options.aiops.llmProvider,
      llmModel: options.llmModel,
      task: analyzerTask(options.namespace, verdict),
    };
    outcome = await withDeadline(runAnalyzer(analyzer, context), timeoutMs + 2_000, analyzer);
  }
  const report = redactor.deep(
    buildReport({ analyzer, facts, verdict, outcome, revisions: options.revisions ?? {}, now: options.now }),
  );
  const diagnosis: Diagnosis = { report, text: formatDiagnosis(report) };
  if (options.recordHistory) {
    try {
      await appendHistory(target, report, options.aiops.historySize);
    } catch (error) {
      diagnosis.historyProblem = redactor.text((error as Error).message);
    }
  }
  return diagnosis;
}
