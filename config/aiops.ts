// Config slice for the AI health analysis (structured key `aiops`, set with `pulumi config set --path aiops.<key>`).
import { z } from "zod";

import { BUILT_IN_AGENTS, builtInAgent, builtInAgentByToggle } from "../lib/kagent-chart";
import { LAPTOP_VERSIONS } from "../lib/laptop-versions";
import { LLM_PROVIDERS, PROVIDERS } from "../lib/llm-providers";

/** Who explains a health analysis: an AI analyzer, or none (the cluster facts alone). */
export const ANALYZERS = ["kagent", "k8sgpt", "kubectl-ai", "none"] as const;
export type AnalyzerName = (typeof ANALYZERS)[number];
/**
 * The values of aiops.analyzer: an analyzer, or off. off means no health check at all: no
 * AiHealthCheck and no Command (so no kubectl, no AI, no aiops-history entry), no kagent install;
 * the `health` output is HEALTH_CHECK_OFF (outputs.ts). A failed release is still diagnosed by the
 * error hook, from cluster facts only (as with none). none, by contrast, still runs the check.
 */
export const ANALYZER_SETTINGS = [...ANALYZERS, "off"] as const;
export type AnalyzerSetting = (typeof ANALYZER_SETTINGS)[number];

export const aiopsConfigSchema = z
  .object({
    analyzer: z.enum(ANALYZER_SETTINGS).default("kagent"),
    timeoutSeconds: z.number().int().min(5).max(900).default(120),
    historySize: z.number().int().min(1).max(500).default(20),
    failOn: z.enum(["never", "unhealthy"]).default("never"),
    installKagent: z.boolean().default(false),
    llmProvider: z.enum(LLM_PROVIDERS).default("openai"),
    /** Secret: the LLM provider key kagent uses when installKagent is true. */
    llmApiKey: z.string().min(1).optional(),
    kagentUrl: z.string().url().optional(),
    agent: z.string().min(1).default("k8s-agent"),
    /** With llmProvider azureopenai and installKagent: the chart's providers.azureOpenAI.config. */
    azureEndpoint: z.string().url().optional(),
    azureDeployment: z.string().min(1).optional(),
    azureApiVersion: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}(-preview)?$/, "must be an Azure OpenAI API version such as 2024-10-21")
      .optional(),
  })
  .strict()
  .superRefine((value, ctx) => {
    if (value.analyzer === "off" && value.installKagent) {
      ctx.addIssue({
        code: "custom",
        path: ["installKagent"],
        message:
          "installKagent installs kagent for the health check, and aiops.analyzer off turns the health check off; run `pulumi config set --path aiops.installKagent false` (this removes kagent from the cluster), or choose an analyzer with `pulumi config set --path aiops.analyzer kagent`",
      });
      return;
    }
    for (const { field, message } of kagentInstallProblems(value))
      ctx.addIssue({ code: "custom", path: [field], message });
  });
export type AiopsConfig = z.infer<typeof aiopsConfigSchema>;

/** The analyzer an analysis runs with this config: off, which runs none of its own, diagnoses from facts alone. Pure. */
export function analysisAnalyzer(aiops: Pick<AiopsConfig, "analyzer">): AnalyzerName {
  return aiops.analyzer === "off" ? "none" : aiops.analyzer;
}

export interface KagentInstallProblem {
  /** The aiops field the message is about. */
  field: "llmApiKey" | "agent" | "azureEndpoint" | "azureDeployment";
  message: string;
}

/**
 * Problems with the aiops slice that only matter when this program installs kagent: without
 * installKagent the user brings their own kagent, Agent and ModelConfig, and any agent name goes. Pure.
 */
export function kagentInstallProblems(
  aiops: Pick<AiopsConfig, "installKagent" | "llmProvider" | "llmApiKey"> &
    Partial<Pick<AiopsConfig, "agent" | "azureEndpoint" | "azureDeployment">>,
): KagentInstallProblem[] {
  if (!aiops.installKagent) return [];
  const problems: KagentInstallProblem[] = [];
  const binding = PROVIDERS[aiops.llmProvider];
  if (binding.secret && !aiops.llmApiKey) {
    problems.push({
      field: "llmApiKey",
      message: `installKagent needs the ${aiops.llmProvider} API key kagent calls the model with; run \`pulumi config set --secret --path aiops.llmApiKey '<key>'\` (or set aiops.llmProvider ollama, or aiops.installKagent false)`,
    });
  }
  const agentProblem = builtInAgentProblem(aiops.agent ?? "k8s-agent");
  if (agentProblem) problems.push({ field: "agent", message: agentProblem });
  if (aiops.llmProvider === "azureopenai") {
    // The chart's defaults leave both empty, which kagent accepts and then fails on at the first call.
    if (!aiops.azureEndpoint) {
      problems.push({
        field: "azureEndpoint",
        message:
          "installKagent with llmProvider azureopenai needs the Azure OpenAI endpoint kagent calls; run `pulumi config set --path aiops.azureEndpoint https://<resource>.openai.azure.com/`",
      });
    }
    if (!aiops.azureDeployment) {
      problems.push({
        field: "azureDeployment",
        message:
          "installKagent with llmProvider azureopenai needs the Azure OpenAI deployment kagent sends as the model; run `pulumi config set --path aiops.azureDeployment <deployment>`",
      });
    }
  }
  return problems;
}

/** Why this program cannot install an Agent of this name, or undefined when the chart creates it. */
function builtInAgentProblem(agent: string): string | undefined {
  if (builtInAgent(agent)) return undefined;
  const version = LAPTOP_VERSIONS.kagent.newest;
  const byToggle = builtInAgentByToggle(agent);
  if (byToggle) {
    return `the kagent ${version} chart's ${byToggle.toggle} toggle creates the Agent ${byToggle.agent}, and kagent invokes Agents by that name; run \`pulumi config set --path aiops.agent ${byToggle.agent}\``;
  }
  return `the kagent ${version} chart creates no Agent named ${agent} (it creates ${BUILT_IN_AGENTS.map((entry) => entry.agent).join(", ")}); run \`pulumi config set --path aiops.agent k8s-agent\`, or set aiops.installKagent false to invoke an Agent you installed yourself`;
}
