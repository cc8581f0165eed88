// The LLM providers kagent can call and how its chart binds each one's key. Pure, and shared by
// config/aiops.ts (which validates that a key is set) and components/kagent*.ts (which install it),
// so that config never imports a component.

export const LLM_PROVIDERS = ["openai", "anthropic", "azureopenai", "ollama", "gemini"] as const;
export type LlmProvider = (typeof LLM_PROVIDERS)[number];

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
