// The two Helm releases: the backend first (after its database is ready), then the frontend pointed
// at the backend's Service. One error hook diagnoses either when its create/update fails.
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";

import { createDeployHooks } from "../aiops/error-hook";
import { DATABASE_SECRET_NAME, type TodoDatabase } from "../components/database";
import type { AppImage } from "../components/image";
import { TodoRelease } from "../components/release";
import type { PlatformConfig } from "../config";

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
    },
    { provider, dependsOn: [backend] },
  );
  return { backend, frontend };
}
