// The two Helm releases: the backend first (after its database is ready), then the frontend pointed
// at the backend's Service. One error hook diagnoses either when its create/update fails.
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import { createDeployHooks } from "../aiops/error-hook";
import { DATABASE_SECRET_NAME, POSTGRES_POD_LABELS, type TodoDatabase } from "../components/database";
import type { AppImage } from "../components/image";
import { migrationKey, migrationsDigest } from "../components/migration-key";
import { ANY_IPV4, appNetworkPolicies, type DatabaseEndpoint, POSTGRES_PORT } from "../components/network-policy";
import { TodoRelease } from "../components/release";
import { APP_PORT, defaultReleaseName } from "../components/release-values";
import type { PlatformConfig } from "../config";
import { databaseUrlPort } from "../config/database-url";

export interface AppReleases {
  backend: TodoRelease;
  frontend: TodoRelease;
}

export function deployAppReleases(args: {
  cfg: PlatformConfig;
  provider: k8s.Provider;
  namespace: pulumi.Output<string>;
  /** Where each release's pods get their image (an AppImage, or an image loaded some other way). */
  images: Record<keyof AppReleases, Pick<AppImage, "imageRef" | "pullPolicy">>;
  database: TodoDatabase;
}): AppReleases {
  const { cfg, provider, namespace, images, database } = args;
  const { deploy } = cfg;
  // Pulumi calls the error hook when a release's create/update fails: it prints which pod and
  // container broke and why (seen by the rollout watch the other hooks run), and rolls back (then
  // retries once) a release Helm left pending.
  const hooks = createDeployHooks({
    aiops: cfg.aiops,
    namespace: deploy.namespace,
    kubeContext: deploy.kubeContext,
    redactSecretNames: [DATABASE_SECRET_NAME],
  });
  const releaseSettings = {
    timeoutSeconds: deploy.releaseTimeoutSeconds,
    maxHistory: deploy.releaseMaxHistory,
    releaseOptions: { hooks },
  };
  const networkPolicy = appNetworkPolicies({
    enabled: deploy.networkPolicies,
    releaseNames: { backend: defaultReleaseName("backend"), frontend: defaultReleaseName("frontend") },
    backendPort: APP_PORT,
    allowNamespaces: deploy.networkPolicyAllowNamespaces,
    database: databaseEndpoint(cfg),
  });
  const backend = new TodoRelease(
    "backend",
    {
      ...releaseSettings,
      component: "backend",
      namespace,
      imageRef: images.backend.imageRef,
      pullPolicy: images.backend.pullPolicy,
      replicas: deploy.backendReplicas,
      databaseSecret: database.secret,
      migrationKey: backendMigrationKey(cfg, database),
      networkPolicy: networkPolicy.backend,
    },
    { provider, dependsOn: database.ready },
  );
  const frontend = new TodoRelease(
    "frontend",
    {
      ...releaseSettings,
      component: "frontend",
      namespace,
      imageRef: images.frontend.imageRef,
      pullPolicy: images.frontend.pullPolicy,
      replicas: deploy.frontendReplicas,
      backendUrl: backend.serviceUrl,
      ingressHost: deploy.ingressHost,
      networkPolicy: networkPolicy.frontend,
    },
    { provider, dependsOn: [backend] },
  );
  return { backend, frontend };
}

/**
 * The key of what the backend's migration hook applies: the migrations the built image copies (or
 * the backendImage that replaces it) and the version of the database Secret.
 */
function backendMigrationKey(cfg: PlatformConfig, database: TodoDatabase): pulumi.Output<string> {
  const digest = migrationsDigest();
  return pulumi.output(database.secret).apply((secret) =>
    migrationKey({
      imageOverride: cfg.images.backendImage,
      migrationsDigest: digest,
      databaseVersion: secret.version ?? "",
    }),
  );
}

/**
 * Where the backend's NetworkPolicy lets it connect for its database: the in-cluster Postgres pods,
 * or networkPolicyDatabaseCidr on the port of the (secret) databaseUrl. Only the port is read from
 * the URL; neither the URL nor its host reaches the Helm values. Pure.
 */
export function databaseEndpoint(cfg: Pick<PlatformConfig, "deploy">): DatabaseEndpoint {
  const { databaseUrl, networkPolicyDatabaseCidr } = cfg.deploy;
  if (databaseUrl === undefined)
    return { mode: "in-cluster", podLabels: { ...POSTGRES_POD_LABELS }, port: POSTGRES_PORT };
  return { mode: "neon", cidr: networkPolicyDatabaseCidr ?? ANY_IPV4, port: databaseUrlPort(databaseUrl) };
}
