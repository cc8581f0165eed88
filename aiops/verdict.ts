// The health verdict, decided from facts only. An analyzer's text is attached later and can never
// change it: crash-looping pods are unhealthy whatever a model says.
import type { ClusterFacts, Finding, HealthStatus, PodFacts } from "./types";

/** Waiting reasons that mean a container cannot run as deployed. */
export const CRITICAL_WAITING_REASONS = new Set([
  "CrashLoopBackOff",
  "ImagePullBackOff",
  "ErrImagePull",
  "InvalidImageName",
  "CreateContainerConfigError",
  "CreateContainerError",
  "RunContainerError",
]);

export interface Verdict {
  status: HealthStatus;
  findings: Finding[];
}

/** Said of every finding about a pod only the rollout watch saw. */
export const ROLLED_BACK_NOTE = "seen during the failed rollout; the rollback removed the pod";

function podFindings(pods: PodFacts[]): Finding[] {
  const findings: Finding[] = [];
  for (const pod of pods) {
    if (pod.phase === "Succeeded") continue;
    const object = `pod/${pod.name}`;
    for (const c of pod.containers) {
      const base = { object, container: c.name, logTail: c.logTail };
      if (c.waitingReason && CRITICAL_WAITING_REASONS.has(c.waitingReason)) {
        const lastExit = c.terminatedReason ? `; last exit ${c.terminatedReason} (code ${c.exitCode ?? "?"})` : "";
        findings.push({
          ...base,
          severity: "critical",
          reason: c.waitingReason,
          message: `${c.waitingMessage ?? c.waitingReason}; restarts ${c.restartCount}${lastExit}`,
        });
      } else if (c.terminatedReason === "OOMKilled") {
        findings.push({
          ...base,
          severity: "critical",
          reason: "OOMKilled",
          message: `killed for exceeding its memory limit; restarts ${c.restartCount}`,
        });
      } else if (!c.ready && pod.phase === "Running") {
        findings.push({
          ...base,
          severity: "warning",
          reason: c.waitingReason ?? "NotReady",
          message: `container is not ready (readiness probe failing or still starting); restarts ${c.restartCount}`,
        });
      } else if (c.restartCount > 0) {
        findings.push({
          ...base,
          severity: "warning",
          reason: "Restarted",
          message: `restarted ${c.restartCount} time(s)${c.terminatedReason ? `, last exit ${c.terminatedReason}` : ""}`,
        });
      }
    }
    if (pod.phase === "Pending" && !findings.some((f) => f.object === object)) {
      findings.push({
        object,
        severity: "warning",
        reason: pod.conditionReason ?? "Pending",
        message: pod.conditionMessage ?? "pod is pending (not scheduled or containers not created yet)",
      });
    }
    if (pod.phase === "Failed") {
      findings.push({ object, severity: "critical", reason: "Failed", message: pod.conditionMessage ?? "pod failed" });
    }
  }
  return findings;
}

function deploymentFindings(facts: ClusterFacts): Finding[] {
  const findings: Finding[] = [];
  for (const d of facts.deployments) {
    if (d.desired === 0) continue;
    const object = `deployment/${d.name}`;
    const counts = `${d.available}/${d.desired} available, ${d.updated}/${d.desired} updated`;
    if (d.available === 0 || d.progressingReason === "ProgressDeadlineExceeded") {
      findings.push({
        object,
        severity: "critical",
        reason: d.progressingReason === "ProgressDeadlineExceeded" ? "ProgressDeadlineExceeded" : "Unavailable",
        message: `rollout not serving: ${counts}`,
      });
    } else if (d.available < d.desired || d.updated < d.desired || d.ready < d.desired) {
      findings.push({
        object,
        severity: "warning",
        reason: "RolloutIncomplete",
        message: `rollout incomplete: ${counts}`,
      });
    }
  }
  return findings;
}

/**
 * Warning events add what the pod status cannot say (probe failures, scheduling, quota). Events about
 * pods that are gone or objects that are fine now are history from an earlier rollout, not findings.
 */
function eventFindings(facts: ClusterFacts, alreadyExplained: Set<string>, options: VerdictOptions): Finding[] {
  const currentPods = new Set(facts.pods.map((p) => `pod/${p.name}`));
  const fine = new Set([
    ...facts.pods.filter((p) => p.ready && p.containers.every((c) => c.restartCount === 0)).map((p) => `pod/${p.name}`),
    ...facts.deployments.filter((d) => d.available >= d.desired).map((d) => `deployment/${d.name}`),
  ]);
  return facts.warningEvents
    .filter((e) => options.keepEventsOfGonePods || !(e.object.startsWith("pod/") && !currentPods.has(e.object)))
    .filter((e) => !fine.has(e.object))
    .filter((e) => !alreadyExplained.has(e.object) || e.reason === "Unhealthy")
    .map((e) => ({
      object: e.object,
      severity: "warning" as const,
      reason: e.reason,
      message: `${e.message}${e.count > 1 ? ` (x${e.count})` : ""}`,
    }));
}

export interface VerdictOptions {
  /**
   * Keep warning events about pods that no longer exist. After a failed atomic Helm upgrade the
   * failing pods are already rolled away and their events are the only evidence left.
   */
  keepEventsOfGonePods?: boolean;
}

export function decideVerdict(facts: ClusterFacts, options: VerdictOptions = {}): Verdict {
  if (facts.error) {
    return {
      status: "unavailable",
      findings: [
        {
          object: `namespace/${facts.namespace}`,
          severity: "critical",
          reason: "FactsUnavailable",
          message: facts.error,
        },
      ],
    };
  }
  if (facts.deployments.length === 0 && facts.pods.length === 0 && !facts.rolledBackPods?.length) {
    return {
      status: "unavailable",
      findings: [
        {
          object: `namespace/${facts.namespace}`,
          severity: "critical",
          reason: "NothingDeployed",
          message: `no Deployments or Pods found in namespace ${facts.namespace}`,
        },
      ],
    };
  }
  // Pods first: they name the container and reason; the Deployment finding only says it is not serving.
  const current = new Set(facts.pods.map((p) => p.name));
  const rolledBack = podFindings((facts.rolledBackPods ?? []).filter((p) => !current.has(p.name))).map((f) => ({
    ...f,
    message: `${f.message} (${ROLLED_BACK_NOTE})`,
  }));
  const findings = [...rolledBack, ...podFindings(facts.pods), ...deploymentFindings(facts)];
  const explained = new Set(findings.map((f) => f.object));
  findings.push(...eventFindings(facts, explained, options));
  const status: HealthStatus = findings.some((f) => f.severity === "critical")
    ? "unhealthy"
    : findings.length > 0
      ? "degraded"
      : "healthy";
  return { status, findings };
}

/** One line a person reads first: the status and the worst findings. */
export function summarize(verdict: Verdict, namespace: string): string {
  if (verdict.status === "healthy") return `healthy: every Deployment in ${namespace} is fully available`;
  const critical = verdict.findings.filter((f) => f.severity === "critical");
  const warnings = verdict.findings.length - critical.length;
  const top = (critical.length > 0 ? critical : verdict.findings)
    .slice(0, 3)
    .map((f) => `${f.object}${f.container ? ` (${f.container})` : ""} ${f.reason}`)
    .join("; ");
  return `${verdict.status}: ${critical.length} critical, ${warnings} warning(s) — ${top}`;
}
