// Config slice for the AI health analysis (structured key `aiops`, set with `pulumi config set --path aiops.<key>`).
import { z } from "zod";

import { LLM_PROVIDERS, PROVIDERS } from "../lib/llm-providers";

export const ANALYZERS = ["kagent", "k8sgpt", "kubectl-ai", "none"] as const;
export type AnalyzerName = (typeof ANALYZERS)[number];

export const aiopsConfigSchema = z
  .object({
    analyzer: z.enum(ANALYZERS).default("kagent"),
    timeoutSeconds: z.number().int().min(5).max(900).default(120),
    historySize: z.number().int().min(1).max(500).default(20),
    failOn: z.enum(["never", "unhealthy"]).default("never"),
    installKagent: z.boolean().default(false),
    llmProvider: z.enum(LLM_PROVIDERS).default("openai"),
    /** Secret: the LLM provider key kagent uses when installKagent is true. */
    llmApiKey: z.string().min(1).optional(),
    kagentUrl: z.string().url().optional(),
    agent: z.string().min(1).default("k8s-agent"),
  })
  .strict()
  .superRefine((value, ctx) => {
    for (const message of kagentInstallProblems(value)) ctx.addIssue({ code: "custom", path: ["llmApiKey"], message });
  });
export type AiopsConfig = z.infer<typeof aiopsConfigSchema>;

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
