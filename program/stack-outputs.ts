// The stack outputs, shaped by the contract in ../outputs.ts (what other stacks read).
import * as pulumi from "@pulumi/pulumi";
import type { TodoDatabase } from "../components/database";
import type { AiHealthCheck } from "../components/health";
import type { TodoRelease } from "../components/release";
import type { PlatformConfig } from "../config";
import { appUrl, HEALTH_CHECK_OFF, type HealthOutput, type PlatformStackOutputs } from "../outputs";
import type { AppReleases } from "./releases";

/** A release as the stack reports it (ReleaseSummary in ../outputs.ts). */
export const releaseSummary = (release: TodoRelease) =>
  pulumi.output({
    releaseName: release.releaseName,
    revision: release.revision,
    status: release.status,
    imageRef: release.imageRef,
    serviceDns: release.serviceDns,
    serviceUrl: release.serviceUrl,
  });

/** Every output but the health report: what the deploy itself produces. */
export function deploymentOutputs(args: {
  cfg: PlatformConfig;
  namespace: pulumi.Output<string>;
  releases: AppReleases;
  database: TodoDatabase;
}): Omit<PlatformStackOutputs, "health"> {
  const { cfg, namespace, releases, database } = args;
  return {
    appUrl: pulumi.all([namespace, releases.frontend.releaseName]).apply(([namespace, frontendRelease]) =>
      appUrl({
        ingressHost: cfg.deploy.ingressHost,
        minikubeProfile: cfg.images.minikubeProfile,
        namespace,
        frontendRelease,
      }),
    ),
    namespace,
    frontend: releaseSummary(releases.frontend),
    backend: releaseSummary(releases.backend),
    databaseMode: pulumi.output(database.mode),
    databaseSecretName: database.secretName,
  };
}

/** Every output; `health` is the check's report, or HEALTH_CHECK_OFF when there is no check (aiops.analyzer off). */
export function stackOutputs(
  args: Parameters<typeof deploymentOutputs>[0] & { health: AiHealthCheck | undefined },
): PlatformStackOutputs {
  const health: pulumi.Output<HealthOutput> = args.health ? args.health.report : pulumi.output(HEALTH_CHECK_OFF);
  return { ...deploymentOutputs(args), health };
}
