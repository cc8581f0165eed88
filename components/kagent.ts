// KagentInstall: kagent from its pinned OCI charts (CRDs, then kagent) in namespace `kagent`, the
// LLM key in the Secret the chart's ModelConfig names, and a wait until the Agent the analysis
// invokes is Ready, so the first health check after `pulumi up` does not race kagent's start.
import * as command from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import { type LlmProvider, PROVIDERS } from "../lib/llm-providers";
import {
  type AzureOpenAiSettings,
  agentReadyCommand,
  KAGENT_CHART_VERSION,
  KAGENT_CHARTS,
  KAGENT_NAMESPACE,
  kagentValues,
  kagentValuesProblem,
} from "./kagent-values";

export interface KagentInstallArgs {
  /**
   * Model provider of kagent's default ModelConfig.
   * @default "openai"
   */
  llmProvider?: LlmProvider;
  /** The provider's API key (a secret); required unless the provider is ollama. */
  llmApiKey?: pulumi.Input<string>;
  /**
   * The Agent (metadata.name) the health analysis invokes: one the chart creates (lib/kagent-chart.ts),
   * whose toggle is the only built-in agent enabled.
   * @default "k8s-agent"
   */
  agent?: string;
  /** Endpoint and deployment of the azureopenai provider; required with it. */
  azureOpenAI?: AzureOpenAiSettings;
  /** kubeconfig context for the readiness wait (the provider's context). */
  kubeContext?: string;
  /**
   * Seconds to wait for the Agent to become Ready.
   * @default 600
   */
  readyTimeoutSeconds?: number;
}

export class KagentInstall extends pulumi.ComponentResource {
  readonly crds: k8s.helm.v3.Release;
  readonly kagent: k8s.helm.v3.Release;
  /** Completes when the agent reports Ready; the health check depends on it. */
  readonly agentReady: command.local.Command;
  readonly agent: string;

  constructor(name: string, args: KagentInstallArgs, opts?: pulumi.ComponentResourceOptions) {
    super("todo-platform:aiops:KagentInstall", name, {}, opts);
    const llmProvider = args.llmProvider ?? "openai";
    const agent = args.agent ?? "k8s-agent";
    const binding = PROVIDERS[llmProvider];
    if (binding.secret && args.llmApiKey === undefined) {
      throw new pulumi.InputPropertyError({
        propertyPath: "llmApiKey",
        reason: `the ${llmProvider} provider needs an API key: pulumi config set --secret --path aiops.llmApiKey '<key>'`,
      });
    }
    const problem = kagentValuesProblem({ llmProvider, agent, azureOpenAI: args.azureOpenAI });
    if (problem) throw new pulumi.InputPropertyError({ propertyPath: problem.property, reason: problem.reason });

    const namespace = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      { metadata: { name: KAGENT_NAMESPACE, labels: { "app.kubernetes.io/part-of": "kagent" } } },
      { parent: this },
    );
    const keySecret =
      binding.secret && args.llmApiKey !== undefined
        ? new k8s.core.v1.Secret(
            `${name}-llm-key`,
            {
              metadata: { name: binding.secret.name, namespace: namespace.metadata.name },
              type: "Opaque",
              stringData: { [binding.secret.key]: pulumi.secret(args.llmApiKey) },
            },
            { parent: this },
          )
        : undefined;

    const common = { namespace: namespace.metadata.name, version: KAGENT_CHART_VERSION, atomic: true, timeout: 600 };
    this.crds = new k8s.helm.v3.Release(
      `${name}-crds`,
      { ...common, name: "kagent-crds", chart: KAGENT_CHARTS.crds },
      { parent: this },
    );
    this.kagent = new k8s.helm.v3.Release(
      name,
      {
        ...common,
        name: "kagent",
        chart: KAGENT_CHARTS.kagent,
        values: kagentValues({ llmProvider, agent, azureOpenAI: args.azureOpenAI }),
      },
      // The chart's ModelConfig names the key Secret, and its Agents need the CRDs.
      { parent: this, dependsOn: [this.crds, ...(keySecret ? [keySecret] : [])] },
    );
    this.agent = agent;
    this.agentReady = new command.local.Command(
      `${name}-agent-ready`,
      {
        create: agentReadyCommand({
          agent,
          kubeContext: args.kubeContext,
          timeoutSeconds: args.readyTimeoutSeconds ?? 600,
        }),
        // Wait again whenever kagent itself changed (a new revision, provider or agent).
        triggers: [KAGENT_CHART_VERSION, llmProvider, agent, this.kagent.status.revision],
      },
      { parent: this, dependsOn: [this.kagent] },
    );
    this.registerOutputs({ crds: this.crds, kagent: this.kagent, agentReady: this.agentReady, agent });
  }
}
