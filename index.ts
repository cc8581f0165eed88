// Table of contents of the program. Config is validated before any resource exists; the images'
// pre-flight fails before any cluster change; the releases are diagnosed by one error hook when
// they fail; the outputs follow the contract in outputs.ts.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import { createStackNamespace } from "./components/namespace";
import { loadPlatformConfig } from "./config";
import { connectDatabase } from "./program/database";
import { analyzeDeployHealth } from "./program/health";
import { buildAppImages, releaseImages } from "./program/images";
import { deployAppReleases } from "./program/releases";
import { stackOutputs } from "./program/stack-outputs";

// 1. Configuration: every key validated, advice printed.
const cfg = loadPlatformConfig();
for (const hint of cfg.hints) pulumi.log.warn(hint);
const { deploy } = cfg;

// 2. The backend and frontend images, loaded into the cluster; what each release runs (its image,
//    or the one backendImage / frontendImage names).
const images = releaseImages(buildAppImages(__dirname, cfg.images), cfg.images);

// 3. The cluster and this stack's namespace.
const provider = new k8s.Provider("cluster", { context: deploy.kubeContext });
const namespaceName = createStackNamespace(deploy.namespace, { provider }).metadata.name;

// 4. The database: Neon from config, or an in-cluster Postgres when no URL is set.
const database = connectDatabase({ cfg, provider, namespace: namespaceName });

// 5. The Helm releases: backend, then frontend.
const releases = deployAppReleases({ cfg, provider, namespace: namespaceName, images, database });

// 6. The AI health analysis of what was deployed (and kagent, when the stack installs it); none at
//    all with aiops.analyzer off.
const healthCheck = analyzeDeployHealth({
  cfg,
  provider,
  namespace: namespaceName,
  releases,
  redactSecretNames: [database.secretName],
});

// 7. The stack outputs (contract: outputs.ts).
export const { appUrl, namespace, frontend, backend, databaseMode, databaseSecretName, health } = stackOutputs({
  cfg,
  namespace: namespaceName,
  releases,
  database,
  health: healthCheck,
});
