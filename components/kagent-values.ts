// Pure: what installing kagent needs — the pinned OCI charts, the chart values that enable only
// the agent the analysis calls and the wait for that Agent (the LLM key Secret per provider is in
// lib/llm-providers.ts, the chart's agents in lib/kagent-chart.ts).
// components/kagent.ts turns these into resources; tests read them directly.
import { BUILT_IN_AGENTS, builtInAgent, TOOL_SERVER_TOGGLES } from "../lib/kagent-chart";
import { LAPTOP_VERSIONS } from "../lib/laptop-versions";
import { type LlmProvider, PROVIDERS } from "../lib/llm-providers";
import { shellQuote } from "../lib/shell";

export { BUILT_IN_AGENTS, builtInAgent } from "../lib/kagent-chart";

/**
 * The one kagent release installed, and the one the analysis's parser was checked against: its
 * tag's release workflow (.github/workflows/tag.yaml, `make helm-publish`) pushes both charts to
 * oci://ghcr.io/kagent-dev/kagent/helm at the tag's version without the `v`.
 */
export const KAGENT_CHART_VERSION: string = LAPTOP_VERSIONS.kagent.newest;
export const KAGENT_CHARTS = {
  crds: "oci://ghcr.io/kagent-dev/kagent/helm/kagent-crds",
  kagent: "oci://ghcr.io/kagent-dev/kagent/helm/kagent",
} as const;
export const KAGENT_NAMESPACE = "kagent";

/**
 * The chart's `providers.azureOpenAI.config` (helm/kagent/values.yaml), which becomes the
 * ModelConfig's `azureOpenAI` (go/api/v1alpha2/modelconfig_types.go AzureOpenAIConfig): the endpoint
 * is required there, and the deployment is what kagent sends as the model name.
 */
export interface AzureOpenAiSettings {
  azureEndpoint: string;
  azureDeployment: string;
  /** Unset keeps the chart's default ("2023-05-15" at v0.9.12). */
  apiVersion?: string;
}

/** What is wrong with an install request (the input it is about and why), or undefined. */
export function kagentValuesProblem(input: {
  llmProvider: LlmProvider;
  agent: string;
  azureOpenAI?: AzureOpenAiSettings;
}): { property: "agent" | "azureOpenAI"; reason: string } | undefined {
  if (!builtInAgent(input.agent)) {
    const names = BUILT_IN_AGENTS.map((entry) => entry.agent).join(", ");
    return {
      property: "agent",
      reason: `the kagent ${KAGENT_CHART_VERSION} chart creates no Agent named ${input.agent} (it creates ${names})`,
    };
  }
  if (input.llmProvider === "azureopenai" && !input.azureOpenAI) {
    return { property: "azureOpenAI", reason: "the azureopenai provider needs azureEndpoint and azureDeployment" };
  }
  return undefined;
}

/**
 * Values of the kagent release: the chosen provider as default, the key only by Secret reference
 * (never in values, so never in Helm's release history), and every built-in agent off except the
 * one the analysis invokes and what it needs. Throws on a request kagentValuesProblem refuses.
 */
export function kagentValues(input: {
  llmProvider: LlmProvider;
  agent: string;
  azureOpenAI?: AzureOpenAiSettings;
}): Record<string, unknown> {
  const problem = kagentValuesProblem(input);
  const chosen = builtInAgent(input.agent);
  if (problem || !chosen) throw new Error(problem?.reason);
  const binding = PROVIDERS[input.llmProvider];
  const provider: Record<string, unknown> = binding.secret
    ? { apiKeySecretRef: binding.secret.name, apiKeySecretKey: binding.secret.key }
    : {};
  if (input.llmProvider === "azureopenai" && input.azureOpenAI) provider.config = azureConfig(input.azureOpenAI);
  const enabled = new Set([chosen.toggle, ...chosen.needs]);
  const agents = Object.fromEntries(BUILT_IN_AGENTS.map(({ toggle }) => [toggle, { enabled: enabled.has(toggle) }]));
  // kagent-tools serves kagent-tool-server, which every agent but promql-agent calls.
  const tools = Object.fromEntries(
    TOOL_SERVER_TOGGLES.map((toggle) => [toggle, { enabled: toggle === "kagent-tools" || enabled.has(toggle) }]),
  );
  return { providers: { default: binding.chartKey, [binding.chartKey]: provider }, ...agents, ...tools };
}

function azureConfig(settings: AzureOpenAiSettings): Record<string, string> {
  return {
    azureEndpoint: settings.azureEndpoint,
    azureDeployment: settings.azureDeployment,
    ...(settings.apiVersion ? { apiVersion: settings.apiVersion } : {}),
  };
}

/** Waits until the Agent the analysis invokes reports Ready (its Deployment is up). */
export function agentReadyCommand(input: { agent: string; kubeContext?: string; timeoutSeconds: number }): string {
  const args = [
    "kubectl",
    ...(input.kubeContext ? ["--context", input.kubeContext] : []),
    "wait",
    "--namespace",
    KAGENT_NAMESPACE,
    "--for=condition=Ready",
    `agents.kagent.dev/${input.agent}`,
    `--timeout=${input.timeoutSeconds}s`,
  ];
  return args.map(shellQuote).join(" ");
}
