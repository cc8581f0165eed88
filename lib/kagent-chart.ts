// What the kagent chart at the pinned release (LAPTOP_VERSIONS.kagent.newest) creates, read from
// kagent-dev/kagent@v0.9.12: helm/kagent/Chart-template.yaml (one `<toggle>.enabled` condition per
// agent subchart) and helm/agents/<dir>/templates/agent.yaml (the Agent's metadata.name). Pure and in
// lib/ so that config/aiops.ts can validate aiops.agent without importing a component.

export interface BuiltInAgent {
  /** The chart's root-level values key: `<toggle>.enabled`. */
  toggle: string;
  /** The Agent the subchart creates: what `kagent invoke -a` and `kubectl wait agents.kagent.dev/` name. */
  agent: string;
  /** Other toggles the Agent needs: observability-agent calls promql-agent and the grafana-mcp tools. */
  needs: readonly string[];
}

/** Every built-in agent of the chart, in Chart-template.yaml's order. */
export const BUILT_IN_AGENTS: readonly BuiltInAgent[] = [
  { toggle: "k8s-agent", agent: "k8s-agent", needs: [] },
  { toggle: "kgateway-agent", agent: "kgateway-agent", needs: [] },
  { toggle: "istio-agent", agent: "istio-agent", needs: [] },
  { toggle: "promql-agent", agent: "promql-agent", needs: [] },
  { toggle: "observability-agent", agent: "observability-agent", needs: ["promql-agent", "grafana-mcp"] },
  // The one whose Agent is not named after its toggle (helm/agents/argo-rollouts/templates/agent.yaml).
  { toggle: "argo-rollouts-agent", agent: "argo-rollouts-conversion-agent", needs: [] },
  { toggle: "helm-agent", agent: "helm-agent", needs: [] },
  { toggle: "cilium-policy-agent", agent: "cilium-policy-agent", needs: [] },
  { toggle: "cilium-manager-agent", agent: "cilium-manager-agent", needs: [] },
  { toggle: "cilium-debug-agent", agent: "cilium-debug-agent", needs: [] },
];

/**
 * Tool-server subcharts with their own toggle. grafana-mcp is used only by observability-agent and
 * querydoc by no agent at this tag; every agent but promql-agent calls kagent-tools' kagent-tool-server.
 */
export const TOOL_SERVER_TOGGLES = ["grafana-mcp", "querydoc", "kagent-tools"] as const;

/** The built-in agent whose Agent has this name, if any. */
export function builtInAgent(agentName: string): BuiltInAgent | undefined {
  return BUILT_IN_AGENTS.find((entry) => entry.agent === agentName);
}

/** The built-in agent whose chart toggle has this name, if any (a common mix-up with its Agent's name). */
export function builtInAgentByToggle(toggle: string): BuiltInAgent | undefined {
  return BUILT_IN_AGENTS.find((entry) => entry.toggle === toggle);
}
