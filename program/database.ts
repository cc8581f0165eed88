// The database the backend uses: the Neon URL from config (kept a secret), or an in-cluster
// Postgres in the stack's namespace when no URL is set.
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import { TodoDatabase } from "../components/database";
import { defaultReleaseName } from "../components/release-values";
import type { PlatformConfig } from "../config";

export function connectDatabase(args: {
  cfg: PlatformConfig;
  provider: k8s.Provider;
  namespace: pulumi.Output<string>;
}): TodoDatabase {
  const { databaseUrl, postgresStorageSize, postgresImage, postgresPassword, networkPolicies } = args.cfg.deploy;
  return new TodoDatabase(
    "database",
    {
      namespace: args.namespace,
      databaseUrl: databaseUrl === undefined ? undefined : pulumi.secret(databaseUrl),
      storageSize: postgresStorageSize,
      postgresImage,
      postgresPassword: postgresPassword === undefined ? undefined : pulumi.secret(postgresPassword),
      // Postgres lets in only the backend release's pods and its migration Job (program/releases.ts).
      networkPolicy: networkPolicies ? { backendReleaseName: defaultReleaseName("backend") } : undefined,
    },
    { provider: args.provider },
  );
}
