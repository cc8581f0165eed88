// Pure: what installing kagent needs — the pinned OCI charts, the chart values that enable only
// the agent the analysis calls, the LLM key Secret per provider and the wait for that Agent.
// components/kagent.ts turns these into resources; tests read them directly.
import type { AiopsConfig } from "../config/aiops";
import { shellQuote } from "../lib/shell";

/** kagent 0.x: the 1.0 alphas change the `kagent invoke` CLI the analysis relies on. */
export const KAGENT_CHART_VERSION = "0.10.1";
export const KAGENT_CHARTS = {
  crds: "oci://ghcr.io/kagent-dev/kagent/helm/kagent-crds",
  kagent: "oci://ghcr.io/kagent-dev/kagent/helm/kagent",
} as const;
export const KAGENT_NAMESPACE = "kagent";

export type LlmProvider = AiopsConfig["llmProvider"];

/** The chart's key under `providers`, and the Secret the chart's ModelConfig reads the key from. */
export interface ProviderBinding {
  chartKey: string;
  /** Absent for providers that need no key (ollama). */
  secret?: { name: string; key: string };
}

export const PROVIDERS: Record<LlmProvider, ProviderBinding> = {
  openai: { chartKey: "openAI", secret: { name: "kagent-openai", key: "OPENAI_API_KEY" } },
  anthropic: { chartKey: "anthropic", secret: { name: "kagent-anthropic", key: "ANTHROPIC_API_KEY" } },
  azureopenai: { chartKey: "azureOpenAI", secret: { name: "kagent-azure-openai", key: "AZUREOPENAI_API_KEY" } },
  gemini: { chartKey: "gemini", secret: { name: "kagent-gemini", key: "GOOGLE_API_KEY" } },
  ollama: { chartKey: "ollama" },
};

/** Built-in agents of the 0.x chart, each a root-level `<name>: { enabled }` toggle. */
export const BUILT_IN_AGENTS = [
  "k8s-agent",
  "helm-agent",
  "kgateway-agent",
  "istio-agent",
  "promql-agent",
  "observability-agent",
  "argo-rollouts-agent",
  "cilium-policy-agent",
  "cilium-manager-agent",
  "cilium-debug-agent",
] as const;

/**
 * Values of the kagent release: the chosen provider as default, the key only by Secret reference
 * (never in values, so never in Helm's release history), and every built-in agent off except the
 * one the analysis invokes. A custom agent name enables none: the user brings that Agent.
 */
export function kagentValues(input: { llmProvider: LlmProvider; agent: string }): Record<string, unknown> {
  const binding = PROVIDERS[input.llmProvider];
  const provider: Record<string, unknown> = binding.secret
    ? { apiKeySecretRef: binding.secret.name, apiKeySecretKey: binding.secret.key }
    : {};
  const agents = Object.fromEntries(BUILT_IN_AGENTS.map((name) => [name, { enabled: name === input.agent }]));
  return {
    providers: { default: binding.chartKey, [binding.chartKey]: provider },
    ...agents,
    // Tool servers only the disabled agents use; the k8s/helm agents need kagent-tools alone.
    "grafana-mcp": { enabled: false },
    querydoc: { enabled: false },
    "kagent-tools": { enabled: true },
  };
}

/** Problems with the aiops slice that only matter when this program installs kagent. Pure. */
export function kagentInstallProblems(
  aiops: Pick<AiopsConfig, "installKagent" | "llmProvider" | "llmApiKey">,
): string[] {
  if (!aiops.installKagent) return [];
  const binding = PROVIDERS[aiops.llmProvider];
  if (binding.secret && !aiops.llmApiKey) {
    return [
      `installKagent needs the ${aiops.llmProvider} API key kagent calls the model with; run \`pulumi config set --secret --path aiops.llmApiKey '<key>'\` (or set aiops.llmProvider ollama, or aiops.installKagent false)`,
    ];
  }
  return [];
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
