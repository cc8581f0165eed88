// How our aiops.llmProvider maps onto kubectl-ai's `--llm-provider` and the one environment variable
// holding the key it reads. Pure and import-free of runtime code, so components/health.ts (the
// Command's scrub list) and the analyzer (the child's environment) agree on the same names.
// Checked against GoogleCloudPlatform/kubectl-ai@v0.0.28 gollm/*.go (the in-repo module cmd/main.go
// builds with, via the replace in go.mod): the RegisterProvider ids and the os.Getenv calls.
import type { LlmProvider } from "../../lib/llm-providers";

export interface KubectlAiProvider {
  /** The `--llm-provider` value: the id gollm registers. */
  id: string;
  /** The variable gollm reads the key from; absent when the provider needs none (ollama). */
  keyVariable?: string;
  /** `--model` to pass when the user names none; undefined keeps kubectl-ai's own choice. */
  defaultModelArg?: string;
  /** Non-secret variables the provider also reads; they pass through the environment unchanged. */
  settings: string[];
}

/** undefined: kubectl-ai 0.0.28 has no such provider. */
export const KUBECTL_AI_PROVIDERS: Record<LlmProvider, KubectlAiProvider | undefined> = {
  // gollm/openai.go: RegisterProvider("openai"), OPENAI_API_KEY. kubectl-ai's --model defaults to
  // "gemini-2.5-pro" (cmd/main.go InitDefaults), which OpenAI rejects; an empty --model makes
  // getOpenAIModel fall back to OPENAI_MODEL, then "gpt-4.1".
  openai: {
    id: "openai",
    keyVariable: "OPENAI_API_KEY",
    defaultModelArg: "",
    settings: ["OPENAI_MODEL", "OPENAI_ENDPOINT", "OPENAI_API_BASE"],
  },
  // gollm/gemini.go: RegisterProvider("gemini"), GEMINI_API_KEY (not GOOGLE_API_KEY, which kagent uses).
  gemini: { id: "gemini", keyVariable: "GEMINI_API_KEY", settings: [] },
  // gollm/azopenai.go: RegisterProvider("azopenai"), AZURE_OPENAI_API_KEY and AZURE_OPENAI_ENDPOINT;
  // the model is the deployment name.
  azureopenai: { id: "azopenai", keyVariable: "AZURE_OPENAI_API_KEY", settings: ["AZURE_OPENAI_ENDPOINT"] },
  // gollm/ollama.go: RegisterProvider("ollama"), no key; the host comes from OLLAMA_HOST.
  ollama: { id: "ollama", settings: ["OLLAMA_HOST"] },
  // No Anthropic client in gollm at v0.0.28 (Claude only through "bedrock", with AWS credentials).
  anthropic: undefined,
};

/**
 * Every LLM key variable any analyzer or provider reads: kagent's Secrets (lib/llm-providers.ts) and
 * kubectl-ai's gollm (gollm/*.go os.Getenv, plus grok's). kubectl-ai gets at most one of them.
 */
export const LLM_KEY_VARIABLES = [
  "OPENAI_API_KEY",
  "ANTHROPIC_API_KEY",
  "AZUREOPENAI_API_KEY",
  "AZURE_OPENAI_API_KEY",
  "GOOGLE_API_KEY",
  "GEMINI_API_KEY",
  "GROK_API_KEY",
];

/** The providers kubectl-ai can use, for messages. */
export function supportedKubectlAiProviders(): LlmProvider[] {
  return (Object.keys(KUBECTL_AI_PROVIDERS) as LlmProvider[]).filter((p) => KUBECTL_AI_PROVIDERS[p]);
}

/** The one key variable kubectl-ai needs for this provider, if any. */
export function kubectlAiKeyVariable(provider: LlmProvider): string | undefined {
  return KUBECTL_AI_PROVIDERS[provider]?.keyVariable;
}
