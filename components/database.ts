// TodoDatabase: where the backend's DATABASE_URL comes from. With a Neon URL in config it only
// stores that URL in a Secret; without one it runs Postgres in the cluster (StatefulSet + PVC,
// generated password) so a first `pulumi up` needs no account. Either way the backend reads the
// URL from the Secret by name, so it never appears in Helm values or release history.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

import { POSTGRES_PORT, postgresNetworkPolicySpec } from "./network-policy";
import { DATABASE_URL_KEY, type SecretRef } from "./release-values";

export type DatabaseMode = "neon" | "in-cluster";

/** Name of the Secret holding DATABASE_URL in the stack's namespace. */
export const DATABASE_SECRET_NAME = "todo-database";
const POSTGRES_NAME = "todo-postgres";
const POSTGRES_UID = 999; // the postgres user of the official Debian-based image
/** Labels of the in-cluster Postgres pods (the backend's NetworkPolicy egress selects them). */
export const POSTGRES_POD_LABELS: Readonly<Record<string, string>> = databaseLabels("database");

export interface TodoDatabaseArgs {
  namespace: pulumi.Input<string>;
  /** Secret Neon/Postgres URL (already validated); unset deploys Postgres in the cluster. */
  databaseUrl?: pulumi.Input<string>;
  /**
   * PVC size of the in-cluster Postgres.
   * @default "1Gi"
   */
  storageSize?: pulumi.Input<string>;
  /**
   * Image of the in-cluster Postgres.
   * @default "postgres:17-bookworm"
   */
  postgresImage?: pulumi.Input<string>;
  /**
   * Password of the in-cluster Postgres (letters and digits, already validated).
   * @default a generated one (RandomPassword), kept in the stack's state
   */
  postgresPassword?: pulumi.Input<string>;
  /**
   * In-cluster only: a NetworkPolicy on Postgres that lets in only the pods of this backend release
   * and its migration Job, on 5432, and lets nothing out.
   * @default no NetworkPolicy
   */
  networkPolicy?: { backendReleaseName: string };
}

export class TodoDatabase extends pulumi.ComponentResource {
  readonly mode: DatabaseMode;
  /** The Secret (key DATABASE_URL) the backend reads, with a version that changes on rotation. */
  readonly secret: pulumi.Output<SecretRef>;
  readonly secretName: pulumi.Output<string>;
  /** What the backend release must wait for: the Secret and, in-cluster, a ready Postgres. */
  readonly ready: pulumi.Resource[];

  constructor(name: string, args: TodoDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("todo-platform:database:TodoDatabase", name, {}, opts);
    this.mode = args.databaseUrl === undefined ? "in-cluster" : "neon";
    const inCluster = this.mode === "in-cluster" ? createInClusterPostgres(name, args, this) : undefined;
    const url = inCluster?.url ?? pulumi.output(args.databaseUrl as pulumi.Input<string>);

    const urlSecret = new k8s.core.v1.Secret(
      `${name}-url`,
      {
        metadata: { name: DATABASE_SECRET_NAME, namespace: args.namespace, labels: databaseLabels("url") },
        type: "Opaque",
        stringData: { [DATABASE_URL_KEY]: pulumi.secret(url) },
      },
      { parent: this },
    );
    this.secretName = urlSecret.metadata.name;
    this.secret = pulumi
      .all([urlSecret.metadata.name, urlSecret.metadata.resourceVersion])
      .apply(([secretName, version]) => ({ name: secretName, key: DATABASE_URL_KEY, version: version || undefined }));
    this.ready = [urlSecret, ...(inCluster?.ready ?? [])];

    if (this.mode === "in-cluster") {
      pulumi.log.warn(
        "databaseUrl is not set: deploying an in-cluster Postgres (data lives in a PVC of this stack). " +
          "For Neon run `pulumi config set --secret databaseUrl 'postgresql://…?sslmode=require'`.",
        this,
      );
    }
    this.registerOutputs({ secret: this.secret, secretName: this.secretName });
  }
}

function databaseLabels(component: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": "postgres",
    "app.kubernetes.io/component": component,
    "app.kubernetes.io/part-of": "todo-platform",
    "app.kubernetes.io/managed-by": "pulumi",
  };
}

/** Postgres as a StatefulSet that passes Pod Security "restricted"; returns its URL (secret). */
function createInClusterPostgres(name: string, args: TodoDatabaseArgs, parent: pulumi.Resource) {
  const labels = { ...POSTGRES_POD_LABELS };
  // Alphanumeric only, so the password needs no escaping inside the URL.
  const password =
    args.postgresPassword === undefined
      ? new random.RandomPassword(`${name}-password`, { length: 32, special: false }, { parent }).result
      : pulumi.secret(args.postgresPassword);
  const credentials = new k8s.core.v1.Secret(
    `${name}-postgres`,
    {
      metadata: { name: POSTGRES_NAME, namespace: args.namespace, labels },
      type: "Opaque",
      stringData: { POSTGRES_USER: "todo", POSTGRES_DB: "todo", POSTGRES_PASSWORD: password },
    },
    { parent },
  );
  const service = new k8s.core.v1.Service(
    `${name}-postgres`,
    {
      metadata: { name: POSTGRES_NAME, namespace: args.namespace, labels },
      spec: { clusterIP: "None", selector: labels, ports: [{ name: "postgres", port: 5432, targetPort: "postgres" }] },
    },
    { parent },
  );
  const restricted = {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
  const statefulSet = new k8s.apps.v1.StatefulSet(
    `${name}-postgres`,
    {
      metadata: { name: POSTGRES_NAME, namespace: args.namespace, labels },
      spec: {
        serviceName: service.metadata.name,
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: POSTGRES_UID,
              runAsGroup: POSTGRES_UID,
              fsGroup: POSTGRES_UID,
              seccompProfile: { type: "RuntimeDefault" },
            },
            containers: [
              {
                name: "postgres",
                image: args.postgresImage ?? "postgres:17-bookworm",
                ports: [{ name: "postgres", containerPort: 5432 }],
                envFrom: [{ secretRef: { name: credentials.metadata.name } }],
                env: [{ name: "PGDATA", value: "/var/lib/postgresql/data/pgdata" }],
                readinessProbe: { exec: { command: ["pg_isready", "-U", "todo", "-d", "todo"] }, periodSeconds: 5 },
                livenessProbe: { exec: { command: ["pg_isready", "-U", "todo"] }, periodSeconds: 20 },
                resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } },
                securityContext: restricted,
                volumeMounts: [
                  { name: "data", mountPath: "/var/lib/postgresql/data" },
                  // Read-only root: the socket directory and /tmp are the only other writable paths.
                  { name: "run", mountPath: "/var/run/postgresql" },
                  { name: "tmp", mountPath: "/tmp" },
                ],
              },
            ],
            volumes: [
              { name: "run", emptyDir: {} },
              { name: "tmp", emptyDir: {} },
            ],
          },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: "data" },
            spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: args.storageSize ?? "1Gi" } } },
          },
        ],
      },
    },
    { parent },
  );
  const networkPolicy = args.networkPolicy
    ? [
        new k8s.networking.v1.NetworkPolicy(
          `${name}-postgres`,
          {
            metadata: { name: POSTGRES_NAME, namespace: args.namespace, labels },
            spec: postgresNetworkPolicySpec({
              postgresLabels: labels,
              backendReleaseName: args.networkPolicy.backendReleaseName,
              port: POSTGRES_PORT,
            }),
          },
          { parent },
        ),
      ]
    : [];
  const url = pulumi.secret(
    pulumi.interpolate`postgresql://todo:${password}@${POSTGRES_NAME}.${args.namespace}.svc.cluster.local:5432/todo?sslmode=disable`,
  );
  return { url, ready: [credentials, service, statefulSet, ...networkPolicy] };
}
