// Deterministic facts about the app namespace, read from kubectl JSON. The verdict is decided from
// these alone; an AI analyzer may only explain them.
import { type KubeTarget, kubectl, kubectlJson } from "./kubectl";
import type { ClusterFacts, ContainerFacts, DeploymentFacts, EventFacts, PodFacts } from "./types";

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}
interface ContainerState {
  waiting?: { reason?: string; message?: string };
  terminated?: { reason?: string; exitCode?: number };
  running?: object;
}
interface K8sContainerStatus {
  name: string;
  ready?: boolean;
  restartCount?: number;
  state?: ContainerState;
  lastState?: ContainerState;
}
interface K8sPod {
  metadata: { name: string; deletionTimestamp?: string };
  status?: {
    phase?: string;
    conditions?: Condition[];
    containerStatuses?: K8sContainerStatus[];
    initContainerStatuses?: K8sContainerStatus[];
  };
}
interface K8sDeployment {
  metadata: { name: string };
  spec?: { replicas?: number };
  status?: {
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    conditions?: Condition[];
  };
}
interface K8sEvent {
  involvedObject?: { kind?: string; name?: string };
  reason?: string;
  message?: string;
  count?: number;
  lastTimestamp?: string;
  eventTime?: string;
  /** events.k8s.io reporters (the scheduler) count repeats here and leave `count` unset. */
  series?: { count?: number; lastObservedTime?: string };
  type?: string;
}
interface List<T> {
  items?: T[];
}

/** How many warning events and log lines the facts keep: enough to diagnose, small enough to read. */
export const LIMITS = { events: 15, logLines: 20 } as const;

export function deploymentFacts(list: List<K8sDeployment>): DeploymentFacts[] {
  return (list.items ?? []).map((d) => ({
    name: d.metadata.name,
    desired: d.spec?.replicas ?? 1,
    updated: d.status?.updatedReplicas ?? 0,
    ready: d.status?.readyReplicas ?? 0,
    available: d.status?.availableReplicas ?? 0,
    progressingReason: d.status?.conditions?.find((c) => c.type === "Progressing")?.reason,
  }));
}

function containerFacts(status: K8sContainerStatus): ContainerFacts {
  const terminated = status.state?.terminated ?? status.lastState?.terminated;
  return {
    name: status.name,
    ready: status.ready ?? false,
    restartCount: status.restartCount ?? 0,
    waitingReason: status.state?.waiting?.reason,
    waitingMessage: status.state?.waiting?.message,
    terminatedReason: terminated?.reason,
    exitCode: terminated?.exitCode,
  };
}

export function podFacts(list: List<K8sPod>): PodFacts[] {
  return (list.items ?? []).map((pod) => {
    const conditions = pod.status?.conditions ?? [];
    const notMet =
      conditions.find((c) => c.type === "PodScheduled" && c.status !== "True") ??
      conditions.find((c) => c.type === "Ready" && c.status !== "True");
    const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
    return {
      name: pod.metadata.name,
      phase: pod.status?.phase ?? "Unknown",
      ...(pod.metadata.deletionTimestamp ? { deleting: true } : {}),
      ready: conditions.some((c) => c.type === "Ready" && c.status === "True"),
      conditionReason: notMet?.reason,
      conditionMessage: notMet?.message,
      containers: statuses.map(containerFacts),
    };
  });
}

export function warningEventFacts(list: List<K8sEvent>): EventFacts[] {
  return (list.items ?? [])
    .filter((e) => (e.type ?? "Warning") === "Warning")
    .map((e) => ({
      object: `${(e.involvedObject?.kind ?? "object").toLowerCase()}/${e.involvedObject?.name ?? "?"}`,
      reason: e.reason ?? "",
      message: (e.message ?? "").trim(),
      count: e.series?.count ?? e.count ?? 1,
      lastSeen: e.lastTimestamp ?? e.series?.lastObservedTime ?? e.eventTime,
    }))
    .sort((a, b) => (b.lastSeen ?? "").localeCompare(a.lastSeen ?? ""))
    .slice(0, LIMITS.events);
}

/** A container worth reading logs from: it is not ready, restarted, or was killed. */
export function isFailing(container: ContainerFacts): boolean {
  return !container.ready || container.restartCount > 0 || container.terminatedReason === "OOMKilled";
}

export async function logTail(target: KubeTarget, pod: string, container: ContainerFacts): Promise<string | undefined> {
  // After a restart the interesting output is the previous run's, which crashed.
  const previous = container.restartCount > 0 ? ["--previous"] : [];
  const result = await kubectl(target, [
    "logs",
    pod,
    "--container",
    container.name,
    `--tail=${LIMITS.logLines}`,
    ...previous,
  ]);
  const text = result.exitCode === 0 ? result.stdout.trim() : "";
  // kubectl prints this, with exit 0, when the container runtime has already removed that run.
  if (/^unable to retrieve container logs for /.test(text)) return undefined;
  return text || undefined;
}

/** The pods matching `selector` (all pods when unset), without log tails. */
export async function readPods(target: KubeTarget, selector?: string): Promise<PodFacts[]> {
  const args = selector ? ["get", "pods", "--selector", selector] : ["get", "pods"];
  return podFacts(await kubectlJson<List<K8sPod>>(target, args));
}

export async function collectFacts(target: KubeTarget): Promise<ClusterFacts> {
  const facts: ClusterFacts = { namespace: target.namespace, deployments: [], pods: [], warningEvents: [] };
  try {
    const [deployments, pods, events] = await Promise.all([
      kubectlJson<List<K8sDeployment>>(target, ["get", "deployments"]),
      kubectlJson<List<K8sPod>>(target, ["get", "pods"]),
      kubectlJson<List<K8sEvent>>(target, ["get", "events", "--field-selector", "type=Warning"]),
    ]);
    facts.deployments = deploymentFacts(deployments);
    facts.pods = podFacts(pods);
    facts.warningEvents = warningEventFacts(events);
  } catch (error) {
    facts.error = (error as Error).message;
    return facts;
  }
  await Promise.all(
    facts.pods.flatMap((pod) =>
      pod.containers.filter(isFailing).map(async (container) => {
        container.logTail = await logTail(target, pod.name, container);
      }),
    ),
  );
  return facts;
}
