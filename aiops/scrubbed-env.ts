// The one list of environment variables no analysis process sees, shared by the CLI (which deletes
// them from its own environment first) and the analyzers that build a child's environment.
import { LLM_KEY_VARIABLES } from "./analyzers/kubectl-ai-providers";

/**
 * Variables the analysis never sees, even when the process that started it (`pulumi up`) has them:
 * the database URL, Pulumi's own secrets, every LLM key (kubectl-ai keeps its provider's one, see
 * scrubbedEnvFor in aiops/cli.ts), and the command provider's copy of the previous report
 * (addPreviousOutputInEnv, which AiHealthCheck also turns off).
 */
export const SCRUBBED_ENV: readonly string[] = [
  "DATABASE_URL",
  "PGPASSWORD",
  "PULUMI_CONFIG_PASSPHRASE",
  "PULUMI_CONFIG_PASSPHRASE_FILE",
  "PULUMI_ACCESS_TOKEN",
  "PULUMI_COMMAND_STDOUT",
  "PULUMI_COMMAND_STDERR",
  ...LLM_KEY_VARIABLES,
];
