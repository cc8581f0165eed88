// Pure: what installing kagent needs — the pinned OCI charts, the chart values that enable only
// the agent the analysis calls and the wait for that Agent (the LLM key Secret per provider is in
// lib/llm-providers.ts).
// components/kagent.ts turns these into resources; tests read them directly.
import { type LlmProvider, PROVIDERS } from "../lib/llm-providers";
import { shellQuote } from "../lib/shell";

/** kagent 0.x: the 1.0 alphas change the `kagent invoke` CLI the analysis relies on. */
export const KAGENT_CHART_VERSION = "0.10.1";
export const KAGENT_CHARTS = {
  crds: "oci://ghcr.io/kagent-dev/kagent/helm/kagent-crds",
  kagent: "oci://ghcr.io/kagent-dev/kagent/helm/kagent",
} as const;
export const KAGENT_NAMESPACE = "kagent";

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
