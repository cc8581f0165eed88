// Table of contents of the program: validate config (before any resource exists), then the two
// images (their pre-flight fails before any cluster change), the cluster provider, the stack
// namespace, the database Secret and the two Helm releases (backend first, the frontend pointed at
// the backend Service; both diagnosed by one error hook when they fail), kagent when asked for, the
// AI health check after both releases, then the outputs (contract: outputs.ts).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import { createDeployErrorHook } from "./aiops/error-hook";
import { DATABASE_SECRET_NAME, TodoDatabase } from "./components/database";
import { AiHealthCheck } from "./components/health";
import { AppImage } from "./components/image";
import { KagentInstall } from "./components/kagent";
import { createStackNamespace } from "./components/namespace";
import { TodoRelease } from "./components/release";
import { loadPlatformConfig } from "./config";
import { appUrl as appUrlFor, type PlatformStackOutputs } from "./outputs";

const cfg = loadPlatformConfig();
for (const hint of cfg.hints) pulumi.log.warn(hint);
const { deploy } = cfg;

const images = {
  backend: new AppImage("backend", {
    imageName: "todo-backend",
    context: __dirname,
    dockerfile: "app/backend/Dockerfile",
    loader: cfg.images,
  }),
  frontend: new AppImage("frontend", {
    imageName: "todo-frontend",
    context: __dirname,
    dockerfile: "app/frontend/Dockerfile",
    loader: cfg.images,
  }),
};

const provider = new k8s.Provider("cluster", { context: deploy.kubeContext });
const ns = createStackNamespace(deploy.namespace, { provider });
const namespaceName = ns.metadata.name;

const database = new TodoDatabase(
  "database",
  {
    namespace: namespaceName,
    databaseUrl: deploy.databaseUrl === undefined ? undefined : pulumi.secret(deploy.databaseUrl),
    storageSize: deploy.postgresStorageSize,
  },
  { provider },
);

// Pulumi calls the hook when a release's create/update fails: it prints which pod and container
// broke and why, and rolls back (then retries once) a release Helm left pending.
const errorHook = createDeployErrorHook({
  aiops: cfg.aiops,
  namespace: deploy.namespace,
  kubeContext: deploy.kubeContext,
  redactSecretNames: [DATABASE_SECRET_NAME],
});
const releaseSettings = {
  timeoutSeconds: deploy.releaseTimeoutSeconds,
  maxHistory: deploy.releaseMaxHistory,
  releaseOptions: { hooks: { onError: [errorHook] } },
};
const backendRelease = new TodoRelease(
  "backend",
  {
    ...releaseSettings,
    component: "backend",
    namespace: namespaceName,
    imageRef: images.backend.imageRef,
    pullPolicy: images.backend.pullPolicy,
    replicas: deploy.backendReplicas,
    databaseSecret: database.secret,
  },
  { provider, dependsOn: database.ready },
);
const frontendRelease = new TodoRelease(
  "frontend",
  {
    ...releaseSettings,
    component: "frontend",
    namespace: namespaceName,
    imageRef: images.frontend.imageRef,
    pullPolicy: images.frontend.pullPolicy,
    replicas: deploy.frontendReplicas,
    backendUrl: backendRelease.serviceUrl,
    ingressHost: deploy.ingressHost,
  },
  { provider, dependsOn: [backendRelease] },
);

const kagent = cfg.aiops.installKagent
  ? new KagentInstall(
      "kagent",
      {
        llmProvider: cfg.aiops.llmProvider,
        llmApiKey: cfg.aiops.llmApiKey === undefined ? undefined : pulumi.secret(cfg.aiops.llmApiKey),
        agent: cfg.aiops.agent,
        kubeContext: deploy.kubeContext,
      },
      { provider },
    )
  : undefined;

const healthCheck = new AiHealthCheck(
  "health",
  {
    namespace: namespaceName,
    kubeContext: deploy.kubeContext,
    releases: [backendRelease, frontendRelease].map((release) =>
      pulumi
        .all([release.releaseName, release.revision, release.status, release.imageRef])
        .apply(([name, revision, status, imageRef]) => ({ name, revision, status, imageRef })),
    ),
    aiops: cfg.aiops,
    redactSecretNames: [database.secretName],
  },
  { dependsOn: [backendRelease, frontendRelease, ...(kagent ? [kagent.agentReady] : [])] },
);

const summary = (release: TodoRelease) =>
  pulumi.output({
    releaseName: release.releaseName,
    revision: release.revision,
    status: release.status,
    imageRef: release.imageRef,
    serviceDns: release.serviceDns,
    serviceUrl: release.serviceUrl,
  });

const outputs: PlatformStackOutputs = {
  appUrl: pulumi.all([namespaceName, frontendRelease.releaseName]).apply(([namespace, frontendRelease]) =>
    appUrlFor({
      ingressHost: deploy.ingressHost,
      minikubeProfile: cfg.images.minikubeProfile,
      namespace,
      frontendRelease,
    }),
  ),
  namespace: namespaceName,
  frontend: summary(frontendRelease),
  backend: summary(backendRelease),
  databaseMode: pulumi.output(database.mode),
  databaseSecretName: database.secretName,
  health: healthCheck.report,
};

export const { appUrl, namespace, frontend, backend, databaseMode, databaseSecretName, health } = outputs;
