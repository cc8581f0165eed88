// Pure: who may talk to whom. The `networkPolicy` values of both chart releases (rendered by
// charts/todo-service/templates/networkpolicy.yaml) and the spec of the in-cluster Postgres's
// NetworkPolicy (components/database.ts), from the release names and where the database lives.
// Every policy selects its pods for Ingress and Egress, so anything not listed here is dropped
// (by a CNI that enforces NetworkPolicies: docs/deploy.md#network-policies).
import type { TodoComponentName } from "./release-values";

/** Labels of a set of pods, as a NetworkPolicy podSelector's matchLabels. */
export type PodLabels = Record<string, string>;

/** app.kubernetes.io/name of the chart's pods (its name; the program sets no nameOverride). */
export const CHART_NAME = "todo-service";
/** Port of the Postgres server, in the cluster and by default for a databaseUrl without a port. */
export const POSTGRES_PORT = 5432;
/** Every IPv4 address: the database egress default when its address is not known in advance. */
export const ANY_IPV4 = "0.0.0.0/0";
/** The cluster DNS as kubeadm, Minikube and kind deploy it: CoreDNS keeps kube-dns's label. */
export const CLUSTER_DNS = { namespace: "kube-system", podLabels: { "k8s-app": "kube-dns" } } as const;

/** Values of the chart's `networkPolicy` block (mirrors values.yaml and values.schema.json). */
export interface ChartNetworkPolicy {
  enabled: boolean;
  /** Accept any source on the container port (the frontend: NodePort and Ingress). */
  ingressFromAnywhere: boolean;
  /** Pods of the release's namespace that may reach the container port. */
  ingressFrom: PodLabels[];
  /** Other namespaces, by name, whose pods may reach the container port. */
  allowNamespaces: string[];
  /** Pods of the namespace the service (and its migration Job) may connect to. */
  egressToPods: { podLabels: PodLabels; port: number }[];
  /** Addresses outside the cluster the service (and its migration Job) may connect to. */
  egressToCidrs: { cidr: string; port: number }[];
  /** Where the cluster DNS runs (always allowed, UDP and TCP 53). */
  dns: { namespace: string; podLabels: PodLabels };
}

/** What the chart renders when the program passes no policy: none at all. */
export function noNetworkPolicy(): ChartNetworkPolicy {
  return {
    enabled: false,
    ingressFromAnywhere: false,
    ingressFrom: [],
    allowNamespaces: [],
    egressToPods: [],
    egressToCidrs: [],
    dns: { namespace: CLUSTER_DNS.namespace, podLabels: { ...CLUSTER_DNS.podLabels } },
  };
}

/**
 * The chart's selector labels of a release's pods (`todo-service.selectorLabels` in
 * charts/todo-service/templates/_helpers.tpl); `migration` is the hook Job's pods.
 */
export function chartPodLabels(releaseName: string, component: TodoComponentName | "migration"): PodLabels {
  return {
    "app.kubernetes.io/name": CHART_NAME,
    "app.kubernetes.io/instance": releaseName,
    "app.kubernetes.io/component": component,
  };
}

/** Where the backend's database is: in-cluster Postgres pods, or an address outside the cluster. */
export type DatabaseEndpoint =
  | { mode: "in-cluster"; podLabels: PodLabels; port: number }
  | { mode: "neon"; cidr: string; port: number };

export interface AppNetworkPolicyInput {
  /** Config `networkPolicies`: false renders no policy (a CNI that cannot enforce them). */
  enabled: boolean;
  /** Helm release names of both services. */
  releaseNames: Record<TodoComponentName, string>;
  /** Port the backend's pods listen on (the frontend connects to it). */
  backendPort: number;
  /** Config `networkPolicyAllowNamespaces`: namespaces allowed in, e.g. ingress-nginx, monitoring. */
  allowNamespaces: readonly string[];
  database: DatabaseEndpoint;
}

/**
 * The `networkPolicy` values of both releases: the frontend takes any source and connects to the
 * backend's pods; the backend takes only the frontend's pods (plus allowNamespaces) and connects,
 * like its migration Job, only to the database. Both reach the cluster DNS. Pure.
 */
export function appNetworkPolicies(input: AppNetworkPolicyInput): Record<TodoComponentName, ChartNetworkPolicy> {
  if (!input.enabled) return { backend: noNetworkPolicy(), frontend: noNetworkPolicy() };
  const base = { ...noNetworkPolicy(), enabled: true, allowNamespaces: [...input.allowNamespaces] };
  const { database } = input;
  return {
    backend: {
      ...base,
      ingressFrom: [chartPodLabels(input.releaseNames.frontend, "frontend")],
      egressToPods:
        database.mode === "in-cluster" ? [{ podLabels: { ...database.podLabels }, port: database.port }] : [],
      egressToCidrs: database.mode === "neon" ? [{ cidr: database.cidr, port: database.port }] : [],
    },
    frontend: {
      ...base,
      ingressFromAnywhere: true,
      egressToPods: [{ podLabels: chartPodLabels(input.releaseNames.backend, "backend"), port: input.backendPort }],
    },
  };
}

/** The spec of a Kubernetes NetworkPolicy, as much of it as these policies use. */
export interface NetworkPolicySpec {
  podSelector: { matchLabels: PodLabels };
  policyTypes: ("Ingress" | "Egress")[];
  ingress: { from: { podSelector: { matchLabels: PodLabels } }[]; ports: { protocol: "TCP"; port: number }[] }[];
  egress: never[];
}

/**
 * The in-cluster Postgres's policy: ingress only from the backend's pods and its migration Job on
 * the Postgres port, no egress at all (the server opens no connection; probes are `exec`). Pure.
 */
export function postgresNetworkPolicySpec(input: {
  postgresLabels: PodLabels;
  backendReleaseName: string;
  port: number;
}): NetworkPolicySpec {
  const clients = [
    chartPodLabels(input.backendReleaseName, "backend"),
    chartPodLabels(input.backendReleaseName, "migration"),
  ];
  return {
    podSelector: { matchLabels: { ...input.postgresLabels } },
    policyTypes: ["Ingress", "Egress"],
    ingress: [
      {
        from: clients.map((matchLabels) => ({ podSelector: { matchLabels } })),
        ports: [{ protocol: "TCP", port: input.port }],
      },
    ],
    egress: [],
  };
}
