// `npm run diagnose -- [options]`: one health analysis of the app namespace; prints the report JSON on
// stdout (the AiHealthCheck output) and the human diagnosis on stderr.
//   --args-json <json>        every option of the analysis as one JSON document (CliArgsJson): how
//                             AiHealthCheck's Command starts it, with no shell on any platform
//   --history                 print the AIOps history instead (add --json for the raw reports)
//   --recover-release <name>  roll a release stuck in pending-* back to its last deployed revision
// Whatever starts it, the CLI first deletes SCRUBBED_ENV from its own environment, which is the one
// every child (kubectl, helm, the analyzer) inherits.
import { parseArgs } from "node:util";
import { z } from "zod";
import { type AiopsConfig, ANALYZERS, aiopsConfigSchema } from "../config/aiops";
import { LLM_PROVIDERS } from "../lib/llm-providers";
import { kubectlAiKeyVariable } from "./analyzers/kubectl-ai-providers";
import { diagnose } from "./diagnose";
import { formatHistory, readHistory } from "./history";
import { recoverStuckRelease } from "./recovery";
import { secretValuesFromFile } from "./redact";
import { SCRUBBED_ENV } from "./scrubbed-env";

/** The dev stack's namespace (the program deploys to `todo-<stack>` unless config `namespace` says otherwise). */
export const DEFAULT_NAMESPACE = "todo-dev";

export { SCRUBBED_ENV };

/**
 * The SCRUBBED_ENV names to delete for this run: all of them, except the one key kubectl-ai needs for
 * aiops.llmProvider when it is the analyzer (it calls the model itself, and only reads the key from
 * its environment). Without a config (the options did not parse), all of them. Pure.
 */
export function scrubbedEnvFor(aiops?: Pick<AiopsConfig, "analyzer" | "llmProvider">): string[] {
  const keep = aiops?.analyzer === "kubectl-ai" ? kubectlAiKeyVariable(aiops.llmProvider) : undefined;
  return [...new Set(SCRUBBED_ENV)].filter((name) => name !== keep);
}

/** Deletes the scrubbed names from `env` in place (process.env when run as a CLI). */
export function scrubEnv(env: NodeJS.ProcessEnv, aiops?: Pick<AiopsConfig, "analyzer" | "llmProvider">): void {
  for (const name of scrubbedEnvFor(aiops)) delete env[name];
}

const aiopsField = aiopsConfigSchema.shape;
/**
 * `--args-json`: the options of one analysis run as JSON, with the aiops config's own field names.
 * AiHealthCheck's Command passes it as the last argument of `node … aiops/cli.ts --args-json`.
 */
export const cliArgsJsonSchema = z
  .object({
    namespace: z.string().min(1),
    context: z.string().min(1).optional(),
    analyzer: aiopsField.analyzer,
    timeoutSeconds: aiopsField.timeoutSeconds,
    historySize: aiopsField.historySize,
    failOn: aiopsField.failOn,
    agent: aiopsField.agent,
    kagentUrl: aiopsField.kagentUrl,
    llmProvider: aiopsField.llmProvider,
    llmModel: z.string().min(1).optional(),
    /** Release name → Helm revision, recorded in the report. */
    revisions: z.record(z.string().min(1), z.number().int().nonnegative()).default({}),
    /** Secrets in the namespace whose values are redacted (names only, never values). */
    redactSecretNames: z.array(z.string().min(1)).default([]),
    record: z.boolean().default(false),
  })
  .strict();
export type CliArgsJson = z.input<typeof cliArgsJsonSchema>;

const USAGE = `usage: npm run diagnose -- [--namespace <ns>] [--context <ctx>] [--analyzer ${ANALYZERS.join("|")}]
  [--timeout <s>] [--history-size <n>] [--fail-on never|unhealthy] [--agent <name>] [--kagent-url <url>]
  [--llm-provider ${LLM_PROVIDERS.join("|")}] [--llm-model <model>]
  [--revision <release>=<n>]... [--redact-secret <secret-name>]... [--secrets-file <path>] [--record]
  npm run diagnose -- --args-json '{"namespace":"todo-dev","revisions":{"todo-backend":3},"record":true,…}'
  npm run diagnose -- --history [--json]
  npm run diagnose -- --recover-release <release>`;

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** The environment used and handed to every child; main deletes the scrubbed names from it. */
  env: NodeJS.ProcessEnv;
}

/** One run's options, from the flags or from --args-json. */
interface CliOptions {
  namespace: string;
  context?: string;
  aiops: AiopsConfig;
  revisions: Record<string, number>;
  redactSecretNames: string[];
  secretsFile?: string;
  record: boolean;
  llmModel?: string;
  history: boolean;
  json: boolean;
  recoverRelease?: string;
  help: boolean;
}

function parseRevisions(values: string[]): Record<string, number> {
  const revisions: Record<string, number> = {};
  for (const value of values) {
    const match = /^([^=]+)=(\d+)$/.exec(value);
    if (!match?.[1] || !match[2]) throw new Error(`--revision expects <release>=<number>, got "${value}"`);
    revisions[match[1]] = Number(match[2]);
  }
  return revisions;
}

/** "field a.b: message", or the keys for a key that should not be there. */
function describeIssue(issue: z.core.$ZodIssue | undefined): string {
  if (!issue) return "invalid";
  const keys = issue.code === "unrecognized_keys" ? issue.keys.join(", ") : "";
  const field = issue.path.length ? issue.path.join(".") : keys || "(the document)";
  return `${field}: ${issue.message}`;
}

function aiopsFrom(input: Record<string, unknown>, source: string): AiopsConfig {
  const result = aiopsConfigSchema.safeParse(input);
  if (!result.success) throw new Error(`invalid ${source} ${describeIssue(result.error.issues[0])}`);
  // aiops.analyzer off means the program runs no analysis at all; this CLI is that analysis.
  if (result.data.analyzer === "off") {
    throw new Error(
      `invalid ${source} analyzer: off runs no analysis (it is the stack setting that leaves the health check out); use none for the cluster facts without an analyzer`,
    );
  }
  return result.data;
}

function optionsFromFlags(values: ReturnType<typeof parse>["values"]): CliOptions {
  const aiops = aiopsFrom(
    {
      analyzer: values.analyzer,
      timeoutSeconds: values.timeout === undefined ? undefined : Number(values.timeout),
      historySize: values["history-size"] === undefined ? undefined : Number(values["history-size"]),
      failOn: values["fail-on"],
      agent: values.agent,
      kagentUrl: values["kagent-url"],
      llmProvider: values["llm-provider"],
    },
    "option",
  );
  return {
    namespace: values.namespace ?? DEFAULT_NAMESPACE,
    context: values.context,
    aiops,
    revisions: parseRevisions(values.revision ?? []),
    redactSecretNames: values["redact-secret"] ?? [],
    secretsFile: values["secrets-file"],
    record: values.record ?? false,
    llmModel: values["llm-model"],
    history: values.history ?? false,
    json: values.json ?? false,
    recoverRelease: values["recover-release"],
    help: values.help ?? false,
  };
}

/** The options of an --args-json document; errors name the bad field. */
export function optionsFromArgsJson(text: string): CliOptions {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new Error(`--args-json is not JSON: ${(error as Error).message}`);
  }
  const result = cliArgsJsonSchema.safeParse(document);
  if (!result.success) throw new Error(`invalid --args-json field ${describeIssue(result.error.issues[0])}`);
  const { namespace, context, llmModel, revisions, redactSecretNames, record, ...aiops } = result.data;
  return {
    namespace,
    context,
    aiops: aiopsFrom(aiops, "--args-json field"),
    revisions,
    redactSecretNames,
    record,
    llmModel,
    history: false,
    json: false,
    help: false,
  };
}

function parseOptions(argv: string[]): CliOptions {
  const { values } = parse(argv);
  const json = values["args-json"];
  if (json === undefined) return optionsFromFlags(values);
  const others = Object.keys(values).filter((name) => name !== "args-json");
  if (others.length) throw new Error(`--args-json holds every option; do not combine it with --${others.join(", --")}`);
  return optionsFromArgsJson(json);
}

/**
 * Runs the CLI and returns its exit code (0 ok, 1 unhealthy with --fail-on unhealthy, 2 usage).
 * Before anything runs, io.env loses the scrubbed variables (scrubbedEnvFor).
 */
export async function main(argv: string[], io: CliIo): Promise<number> {
  let options: CliOptions;
  try {
    options = parseOptions(argv);
  } catch (error) {
    scrubEnv(io.env);
    io.stderr(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  scrubEnv(io.env, options.aiops);
  const { namespace, context, aiops } = options;
  if (options.help) {
    io.stdout(USAGE);
    return 0;
  }
  const target = { namespace, context, env: io.env };

  if (options.history) {
    const history = await readHistory(target);
    io.stdout(options.json ? JSON.stringify(history, null, 2) : formatHistory(history));
    return 0;
  }
  if (options.recoverRelease) {
    const result = await recoverStuckRelease({ ...target, release: options.recoverRelease });
    io.stdout(result.message);
    return result.action === "failed" ? 1 : 0;
  }

  const diagnosis = await diagnose({
    namespace,
    context,
    aiops,
    revisions: options.revisions,
    redactSecretNames: options.redactSecretNames,
    secretValues: options.secretsFile ? secretValuesFromFile(options.secretsFile) : [],
    recordHistory: options.record,
    llmModel: options.llmModel,
    env: io.env,
  });
  io.stdout(JSON.stringify(diagnosis.report));
  io.stderr(diagnosis.text);
  if (diagnosis.historyProblem) io.stderr(`AIOps history not updated: ${diagnosis.historyProblem}`);
  if (aiops.failOn === "unhealthy" && diagnosis.report.status === "unhealthy") {
    io.stderr(`aiops.failOn is "unhealthy": failing the deploy. ${diagnosis.report.summary}`);
    return 1;
  }
  return 0;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    options: {
      "args-json": { type: "string" },
      namespace: { type: "string" },
      context: { type: "string" },
      analyzer: { type: "string" },
      timeout: { type: "string" },
      "history-size": { type: "string" },
      "fail-on": { type: "string" },
      agent: { type: "string" },
      "kagent-url": { type: "string" },
      // Which model provider (and so which one key variable) kubectl-ai uses: aiops.llmProvider.
      "llm-provider": { type: "string" },
      "llm-model": { type: "string" },
      revision: { type: "string", multiple: true },
      "redact-secret": { type: "string", multiple: true },
      "secrets-file": { type: "string" },
      record: { type: "boolean" },
      history: { type: "boolean" },
      json: { type: "boolean" },
      "recover-release": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
}

/** Exits once stdout has taken the report: pipes are asynchronous on macOS, and exit() would cut it. */
function exitAfterFlush(code: number): void {
  process.stdout.write("", () => process.exit(code));
}

if (require.main === module) {
  main(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(`${text}\n`),
    stderr: (text) => process.stderr.write(`${text}\n`),
    env: process.env,
  }).then(
    (code) => exitAfterFlush(code),
    (error: Error) => {
      process.stderr.write(`diagnose failed: ${error.message}\n`);
      exitAfterFlush(1);
    },
  );
}
