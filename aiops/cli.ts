// `npm run diagnose -- [options]`: one health analysis of the app namespace; prints the report JSON on
// stdout (the AiHealthCheck output) and the human diagnosis on stderr.
//   --history                 print the AIOps history instead (add --json for the raw reports)
//   --recover-release <name>  roll a release stuck in pending-* back to its last deployed revision
import { parseArgs } from "node:util";
import { type AiopsConfig, ANALYZERS, aiopsConfigSchema } from "../config/aiops";
import { diagnose } from "./diagnose";
import { formatHistory, readHistory } from "./history";
import { recoverStuckRelease } from "./recovery";
import { secretValuesFromFile } from "./redact";

/** The dev stack's namespace (the program deploys to `todo-<stack>` unless config `namespace` says otherwise). */
export const DEFAULT_NAMESPACE = "todo-dev";

const USAGE = `usage: npm run diagnose -- [--namespace <ns>] [--context <ctx>] [--analyzer ${ANALYZERS.join("|")}]
  [--timeout <s>] [--history-size <n>] [--fail-on never|unhealthy] [--agent <name>] [--kagent-url <url>]
  [--revision <release>=<n>]... [--redact-secret <secret-name>]... [--secrets-file <path>] [--record]
  npm run diagnose -- --history [--json]
  npm run diagnose -- --recover-release <release>`;

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
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

function aiopsFromFlags(values: Record<string, unknown>): AiopsConfig {
  const result = aiopsConfigSchema.safeParse({
    analyzer: values.analyzer,
    timeoutSeconds: values.timeout === undefined ? undefined : Number(values.timeout),
    historySize: values["history-size"] === undefined ? undefined : Number(values["history-size"]),
    failOn: values["fail-on"],
    agent: values.agent,
    kagentUrl: values["kagent-url"],
  });
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(`invalid option ${issue?.path.join(".") ?? ""}: ${issue?.message ?? "invalid"}`);
  }
  return result.data;
}

/** Runs the CLI and returns its exit code (0 ok, 1 unhealthy with --fail-on unhealthy, 2 usage). */
export async function main(argv: string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  let aiops: AiopsConfig;
  let revisions: Record<string, number>;
  try {
    parsed = parse(argv);
    aiops = aiopsFromFlags(parsed.values);
    revisions = parseRevisions(parsed.values.revision ?? []);
  } catch (error) {
    io.stderr(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values } = parsed;
  const namespace = values.namespace ?? DEFAULT_NAMESPACE;
  const target = { namespace, context: values.context, env: io.env };

  if (values.history) {
    const history = await readHistory(target);
    io.stdout(values.json ? JSON.stringify(history, null, 2) : formatHistory(history));
    return 0;
  }
  if (values["recover-release"]) {
    const result = await recoverStuckRelease({ ...target, release: values["recover-release"] });
    io.stdout(result.message);
    return result.action === "failed" ? 1 : 0;
  }

  const diagnosis = await diagnose({
    namespace,
    context: values.context,
    aiops,
    revisions,
    redactSecretNames: values["redact-secret"] ?? [],
    secretValues: values["secrets-file"] ? secretValuesFromFile(values["secrets-file"]) : [],
    recordHistory: values.record ?? false,
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
      namespace: { type: "string" },
      context: { type: "string" },
      analyzer: { type: "string" },
      timeout: { type: "string" },
      "history-size": { type: "string" },
      "fail-on": { type: "string" },
      agent: { type: "string" },
      "kagent-url": { type: "string" },
      revision: { type: "string", multiple: true },
      "redact-secret": { type: "string", multiple: true },
      "secrets-file": { type: "string" },
      record: { type: "boolean" },
      history: { type: "boolean" },
      json: { type: "boolean" },
      "recover-release": { type: "string" },
    },
  });
}

if (require.main === module) {
  main(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(`${text}\n`),
    stderr: (text) => process.stderr.write(`${text}\n`),
    env: process.env,
  }).then(
    (code) => process.exit(code),
    (error: Error) => {
      process.stderr.write(`diagnose failed: ${error.message}\n`);
      process.exit(1);
    },
  );
}
