// The AI health analysis after both releases, and kagent itself when the stack installs it (the
// analysis then waits until the Agent it invokes is Ready). With aiops.analyzer off: nothing at all.
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import { AiHealthCheck } from "../components/health";
import { KagentInstall } from "../components/kagent";
import type { PlatformConfig } from "../config";
import type { AppReleases } from "./releases";

export function analyzeDeployHealth(args: {
  cfg: PlatformConfig;
  provider: k8s.Provider;
  namespace: pulumi.Output<string>;
  releases: AppReleases;
  redactSecretNames: pulumi.Input<string>[];
}): AiHealthCheck | undefined {
  const { cfg, provider, namespace, releases, redactSecretNames } = args;
  const { aiops, deploy } = cfg;
  // off: no Command, no kagent, no history entry; the `health` output says so (HEALTH_CHECK_OFF).
  if (aiops.analyzer === "off") return undefined;
  const kagent = aiops.installKagent
    ? new KagentInstall(
        "kagent",
        {
          llmProvider: aiops.llmProvider,
          llmApiKey: aiops.llmApiKey === undefined ? undefined : pulumi.secret(aiops.llmApiKey),
          agent: aiops.agent,
          // Config validation required both with azureopenai (config/aiops.ts kagentInstallProblems).
          azureOpenAI:
            aiops.azureEndpoint && aiops.azureDeployment
              ? {
                  azureEndpoint: aiops.azureEndpoint,
                  azureDeployment: aiops.azureDeployment,
                  apiVersion: aiops.azureApiVersion,
                }
              : undefined,
          kubeContext: deploy.kubeContext,
        },
        { provider },
      )
    : undefined;

  const both = [releases.backend, releases.frontend];
  return new AiHealthCheck(
    "health",
    {
      namespace,
      kubeContext: deploy.kubeContext,
      releases: both.map((release) =>
        pulumi
          .all([release.releaseName, release.revision, release.status, release.imageRef])
          .apply(([name, revision, status, imageRef]) => ({ name, revision, status, imageRef })),
      ),
      aiops,
      redactSecretNames,
    },
    { dependsOn: [...both, ...(kagent ? [kagent.agentReady] : [])] },
  );
}
