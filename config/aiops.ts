// Config slice for the AI health analysis (structured key `aiops`, set with `pulumi config set --path aiops.<key>`).
import { z } from "zod";

import { kagentInstallProblems } from "../components/kagent-values";

export const ANALYZERS = ["kagent", "k8sgpt", "kubectl-ai", "none"] as const;
export type AnalyzerName = (typeof ANALYZERS)[number];

export const aiopsConfigSchema = z
  .object({
    analyzer: z.enum(ANALYZERS).default("kagent"),
    timeoutSeconds: z.number().int().min(5).max(900).default(120),
    historySize: z.number().int().min(1).max(500).default(20),
    failOn: z.enum(["never", "unhealthy"]).default("never"),
    installKagent: z.boolean().default(false),
    llmProvider: z.enum(["openai", "anthropic", "azureopenai", "ollama", "gemini"]).default("openai"),
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
