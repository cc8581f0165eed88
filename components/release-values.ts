// Pure: the Helm values of one Todo service release. The program, the chart render tests and the
// delivery manifest diff all call releaseValues() so they render exactly the same thing.
import * as pulumi from "@pulumi/pulumi";

import { type ChartNetworkPolicy, noNetworkPolicy } from "./network-policy";

export type TodoComponentName = "backend" | "frontend";
export type PullPolicy = "Always" | "IfNotPresent" | "Never";

/** Port both app images listen on (their PORT default). */
export const APP_PORT = 8080;
/** Port of each chart Service. */
export const SERVICE_PORT = 80;
/** Key of the database Secret that holds the connection URL. */
export const DATABASE_URL_KEY = "DATABASE_URL";

/** A Secret referenced by name; its value never passes through Helm. */
export interface SecretRef {
  name: string;
  key: string;
  /** Changes whenever the Secret changes (e.g. its resourceVersion); rolls the pods on rotation. */
  version?: string;
}

export interface ReleaseValuesInput {
  component: TodoComponentName;
  /** Helm release name; also the name of the Service, Deployment and ConfigMap. */
  releaseName: string;
  imageRef: string;
  pullPolicy: PullPolicy;
  replicas: number;
  /** Backend only (required there): the Secret holding DATABASE_URL. */
  databaseSecret?: SecretRef;
  /** Frontend only (required there): the backend's in-cluster URL. */
  backendUrl?: string;
  /** Adds an Ingress for this host (frontend). */
  ingressHost?: string;
  /** Hash of the chart files (components/chart.ts chartChecksum). */
  chartChecksum: string;
  /** The release's NetworkPolicies (components/network-policy.ts appNetworkPolicies); unset renders none. */
  networkPolicy?: ChartNetworkPolicy;
  /**
   * Backend: the key of what its migration hook applies (components/migration-key.ts); the chart
   * skips the hook while the release's record holds the same key. Unset runs the hook on every upgrade.
   */
  migrationKey?: string;
}

/** Timing of one probe (the chart's probes.readiness / liveness / startup). */
export interface ProbeTiming {
  periodSeconds: number;
  timeoutSeconds: number;
  failureThreshold: number;
}

/** How a pod stops (the chart's `shutdown` block; app/backend/src/shutdown.ts has the order). */
export interface ShutdownValues {
  /** preStop sleep before SIGTERM, while the pod leaves the endpoints and kube-proxy. */
  preStopSeconds: number;
  /** After SIGTERM: keep serving (readiness 503, `Connection: close`) this long (SHUTDOWN_DRAIN_MS). */
  drainSeconds: number;
  /** After SIGTERM: exit 1 past this (SHUTDOWN_TIMEOUT_MS). */
  timeoutSeconds: number;
  /** From the deletion: must exceed preStopSeconds + timeoutSeconds (the chart refuses less). */
  terminationGracePeriodSeconds: number;
}

/**
 * Readiness every second (a new pod joins the Service about a second after it can serve; two
 * failures in a row, so one slow answer does not flap it); liveness slower, since a failure
 * restarts the container; startup every second within the same 60 s budget as before.
 */
export const PROBE_TIMING: Pick<ChartValues["probes"], "readiness" | "liveness" | "startup"> = {
  readiness: { periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 2 },
  liveness: { periodSeconds: 10, timeoutSeconds: 1, failureThreshold: 3 },
  startup: { periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 60 },
};

/** Every new pod at once, never below the desired count, available as soon as ready. */
export const ROLLOUT: ChartValues["rollout"] = { maxSurge: "100%", maxUnavailable: 0, minReadySeconds: 0 };

/**
 * 5 s of preStop for the endpoint removal to reach kube-proxy; 5 s of drain, more than the 4 s the
 * frontend proxy keeps an idle backend socket (app/frontend/server/app.ts UPSTREAM_KEEP_ALIVE_MS),
 * so a draining backend closes no socket the proxy still holds; 15 s from SIGTERM to a forced
 * exit; 25 s of grace, more than 5 + 15.
 */
export const SHUTDOWN: ShutdownValues = {
  preStopSeconds: 5,
  drainSeconds: 5,
  timeoutSeconds: 15,
  terminationGracePeriodSeconds: 25,
};

/** Values accepted by charts/todo-service (mirrors values.yaml and values.schema.json). */
export interface ChartValues {
  fullnameOverride: string;
  component: TodoComponentName;
  replicaCount: number;
  image: { ref: string; pullPolicy: PullPolicy };
  containerPort: number;
  service: { type: "ClusterIP" | "NodePort"; port: number };
  env: Record<string, string>;
  secretEnv: { name: string; secretName: string; key: string }[];
  migration: { enabled: boolean; key: string; args: string[]; backoffLimit: number; activeDeadlineSeconds: number };
  probes: {
    livenessPath: string;
    readinessPath: string;
    readiness: ProbeTiming;
    liveness: ProbeTiming;
    startup: ProbeTiming;
  };
  rollout: { maxSurge: number | string; maxUnavailable: number | string; minReadySeconds: number };
  shutdown: ShutdownValues;
  resources: { requests: { cpu: string; memory: string }; limits: { cpu: string; memory: string } };
  podDisruptionBudget: { enabled: boolean; maxUnavailable: number };
  topologySpread: { enabled: boolean; maxSkew: number };
  ingress: { enabled: boolean; className: string; host: string; path: string };
  serviceAccount: { create: boolean; name: string };
  podAnnotations: Record<string, string>;
  chartChecksum: string;
  networkPolicy: ChartNetworkPolicy;
}

/** `todo-<component>`, the Helm release name the program gives each service. */
export function defaultReleaseName(component: TodoComponentName): string {
  return `todo-${component}`;
}

/** `<release>.<namespace>.svc.cluster.local`, the Service's in-cluster DNS name. */
export function serviceDns(releaseName: string, namespace: string): string {
  return `${releaseName}.${namespace}.svc.cluster.local`;
}

/** `http://<service DNS>:80`, what the frontend gets as BACKEND_URL. */
export function serviceUrl(releaseName: string, namespace: string): string {
  return `http://${serviceDns(releaseName, namespace)}:${SERVICE_PORT}`;
}

/** Computes the chart values of one release: `releaseValues(input: ReleaseValuesInput): ChartValues`. */
export function releaseValues(input: ReleaseValuesInput): ChartValues {
  const isBackend = input.component === "backend";
  if (isBackend && !input.databaseSecret) {
    throw new pulumi.InputPropertyError({
      propertyPath: "databaseSecret",
      reason: "the backend needs the Secret holding DATABASE_URL (name and key)",
    });
  }
  if (!isBackend && !input.backendUrl) {
    throw new pulumi.InputPropertyError({
      propertyPath: "backendUrl",
      reason: "the frontend needs the backend's in-cluster URL (BACKEND_URL)",
    });
  }
  if (!Number.isInteger(input.replicas) || input.replicas < 1) {
    throw new pulumi.InputPropertyError({
      propertyPath: "replicas",
      reason: `must be an integer ≥ 1, got ${input.replicas}`,
    });
  }
  const secret = input.databaseSecret;
  return {
    fullnameOverride: input.releaseName,
    component: input.component,
    replicaCount: input.replicas,
    image: { ref: input.imageRef, pullPolicy: input.pullPolicy },
    containerPort: APP_PORT,
    // NodePort lets `minikube service --url` open the frontend without an ingress controller.
    service: { type: isBackend ? "ClusterIP" : "NodePort", port: SERVICE_PORT },
    env: isBackend ? {} : { BACKEND_URL: input.backendUrl ?? "" },
    secretEnv: isBackend && secret ? [{ name: DATABASE_URL_KEY, secretName: secret.name, key: secret.key }] : [],
    migration: {
      enabled: isBackend,
      key: isBackend ? (input.migrationKey ?? "") : "",
      args: ["migrate"],
      backoffLimit: 1,
      activeDeadlineSeconds: 300,
    },
    probes: {
      livenessPath: "/healthz",
      readinessPath: "/readyz",
      readiness: { ...PROBE_TIMING.readiness },
      liveness: { ...PROBE_TIMING.liveness },
      startup: { ...PROBE_TIMING.startup },
    },
    rollout: { ...ROLLOUT },
    shutdown: { ...SHUTDOWN },
    // The frontend's limit was 500m: at about a tenth of a core per pod it still met the CFS quota
    // in short bursts of several threads, and p99 through the NodePort went from 8–18 ms to
    // 15–55 ms in those windows (docs/benchmarks.md, latency bench); 1 CPU was never throttled.
    resources: isBackend
      ? { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "384Mi" } }
      : { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "1", memory: "256Mi" } },
    podDisruptionBudget: { enabled: input.replicas > 1, maxUnavailable: 1 },
    topologySpread: { enabled: true, maxSkew: 1 },
    ingress: {
      enabled: Boolean(input.ingressHost),
      className: "nginx",
      host: input.ingressHost ?? "",
      path: "/",
    },
    serviceAccount: { create: true, name: "" },
    podAnnotations: secret?.version ? { "todo-platform.dev/database-secret-version": secret.version } : {},
    chartChecksum: input.chartChecksum,
    networkPolicy: input.networkPolicy ?? noNetworkPolicy(),
  };
}
