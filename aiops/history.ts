// AIOps history: every report, newest first, in the ConfigMap `aiops-history` of the app namespace,
// bounded so it never outgrows a ConfigMap (1 MiB).
import { describeFailure } from "./exec";
import { type KubeTarget, kubectl } from "./kubectl";
import type { HealthReport } from "./types";

export const HISTORY_CONFIGMAP = "aiops-history";
const HISTORY_KEY = "history.json";
/** Log tails make reports long; history keeps findings but drops them. */
function compact(report: HealthReport): HealthReport {
  return { ...report, findings: report.findings.map(({ logTail: _logTail, ...rest }) => rest) };
}

/** Newest first, at most `size` entries. */
export function appendBounded(history: HealthReport[], report: HealthReport, size: number): HealthReport[] {
  return [compact(report), ...history].slice(0, size);
}

export function historyConfigMap(namespace: string, history: HealthReport[]): object {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name: HISTORY_CONFIGMAP,
      namespace,
      labels: { "app.kubernetes.io/managed-by": "todo-platform-aiops" },
    },
    data: { [HISTORY_KEY]: JSON.stringify(history, null, 1) },
  };
}

export async function readHistory(target: KubeTarget): Promise<HealthReport[]> {
  const result = await kubectl(target, [
    "get",
    "configmap",
    HISTORY_CONFIGMAP,
    "--output",
    "json",
    "--ignore-not-found",
  ]);
  if (result.exitCode !== 0) throw new Error(describeFailure("kubectl get configmap", result, 30_000));
  if (!result.stdout.trim()) return [];
  try {
    const configMap = JSON.parse(result.stdout) as { data?: Record<string, string> };
    const parsed = JSON.parse(configMap.data?.[HISTORY_KEY] ?? "[]");
    return Array.isArray(parsed) ? (parsed as HealthReport[]) : [];
  } catch {
    // A hand-edited, broken history must not stop new reports from being recorded.
    return [];
  }
}

export async function appendHistory(target: KubeTarget, report: HealthReport, size: number): Promise<HealthReport[]> {
  const history = appendBounded(await readHistory(target), report, size);
  const result = await kubectl(
    target,
    ["apply", "--filename", "-"],
    JSON.stringify(historyConfigMap(target.namespace, history)),
  );
  if (result.exitCode !== 0) throw new Error(describeFailure("kubectl apply (aiops-history)", result, 30_000));
  return history;
}

/** One line per report, for `npm run diagnose -- --history`. */
export function formatHistory(history: HealthReport[]): string {
  if (history.length === 0) return "no AIOps history yet";
  return history
    .map((r) => {
      const revisions = Object.entries(r.revisions ?? {})
        .map(([name, revision]) => `${name}@${revision}`)
        .join(",");
      return `${r.analyzedAt}  ${r.status.padEnd(11)} ${revisions.padEnd(20)} ${r.summary}`;
    })
    .join("\n");
}
