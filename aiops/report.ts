// Builds the report JSON and the human-readable diagnosis from facts, verdict and analyzer outcome.
import type { AnalyzerName } from "../config/aiops";
import type { AnalyzerOutcome, ClusterFacts, Finding, HealthReport } from "./types";
import type { Verdict } from "./verdict";
import { summarize } from "./verdict";

export function buildReport(input: {
  analyzer: AnalyzerName;
  facts: ClusterFacts;
  verdict: Verdict;
  outcome: AnalyzerOutcome;
  revisions: Record<string, number>;
  now?: Date;
}): HealthReport {
  const report: HealthReport = {
    analyzer: input.analyzer,
    // The status is the facts' verdict, whatever the analyzer said.
    status: input.verdict.status,
    summary: summarize(input.verdict, input.facts.namespace),
    findings: input.verdict.findings,
    analyzedAt: (input.now ?? new Date()).toISOString(),
    revisions: input.revisions,
  };
  if (input.outcome.ok && input.outcome.explanation) report.explanation = input.outcome.explanation;
  if (!input.outcome.ok && input.outcome.problem) report.analyzerProblem = input.outcome.problem;
  if (input.outcome.warning) report.analyzerWarning = input.outcome.warning;
  return report;
}

function findingLine(f: Finding): string {
  return `- [${f.severity}] ${f.object}${f.container ? ` container ${f.container}` : ""}: ${f.reason} — ${f.message}`;
}

/** The question for the AI analyzer: the facts we found, so it explains them rather than guessing. */
export function analyzerTask(namespace: string, verdict: Verdict): string {
  const lines = [
    `Namespace "${namespace}" was just deployed with Helm. The deterministic health check says: ${verdict.status}.`,
    verdict.findings.length > 0 ? "Findings:" : "No findings: every Deployment is fully available.",
    ...verdict.findings.map(findingLine),
    ...verdict.findings
      .filter((f) => f.logTail)
      .map((f) => `Log tail of ${f.object} ${f.container ?? ""}:\n${f.logTail}`),
    "Explain the most likely root cause of each problem and the exact fix, in at most 8 short lines.",
    "Do not change any resource.",
  ];
  return lines.join("\n");
}

/** Plain-text diagnosis printed to stderr and by the error hook: pod, container, reason, events, log tail. */
export function formatDiagnosis(report: HealthReport): string {
  const lines = [`AI health (${report.analyzer}) ${report.summary}`];
  for (const f of report.findings) {
    lines.push(findingLine(f));
    if (f.logTail) lines.push(...f.logTail.split("\n").map((line) => `    | ${line}`));
  }
  if (report.explanation) lines.push("Analysis:", ...report.explanation.split("\n").map((l) => `  ${l}`));
  if (report.analyzerProblem) lines.push(`Analyzer unavailable: ${report.analyzerProblem}`);
  if (report.analyzerWarning) lines.push(`Analyzer warning: ${report.analyzerWarning}`);
  return lines.join("\n");
}
