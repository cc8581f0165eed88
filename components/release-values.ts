// Pure: the Helm values of one Todo service release. The program, the chart render tests and the
// delivery manifest diff all call releaseValues() so they render exactly the same thing.
import * as pulumi from "@pulumi/pulumi";

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
}

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
  migration: { enabled: boolean; args: string[]; backoffLimit: number; activeDeadlineSeconds: number };
  probes: { livenessPath: string; readinessPath: string };
  resources: { requests: { cpu: string; memory: string }; limits: { cpu: string; memory: string } };
  podDisruptionBudget: { enabled: boolean; maxUnavailable: number };
  topologySpread: { enabled: boolean; maxSkew: number };
  ingress: { enabled: boolean; className: string; host: string; path: string };
  serviceAccount: { create: boolean; name: string };
  podAnnotations: Record<string, string>;
  chartChecksum: string;
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
    migration: { enabled: isBackend, args: ["migrate"], backoffLimit: 1, activeDeadlineSeconds: 300 },
    probes: { livenessPath: "/healthz", readinessPath: "/readyz" },
    resources: isBackend
      ? { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "384Mi" } }
      : { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
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
  };
}
