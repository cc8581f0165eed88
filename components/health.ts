// AiHealthCheck: after both releases, runs the AIOps analysis (aiops/cli.ts) as a local command and
// turns its stdout into the `health` stack output. It re-runs only when something deployed changed
// (image refs and release revisions are its triggers), and nothing secret is passed to it: it reads
// the values to redact from the named Kubernetes Secrets itself.

import * as path from "node:path";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { HealthReport } from "../aiops/types";
import type { AiopsConfig } from "../config/aiops";
import { shellQuote } from "../lib/shell";

export interface HealthReleaseRef {
  name: string;
  revision: number;
  status: string;
  imageRef: string;
}

export interface AiHealthCheckArgs {
  /** The app namespace the releases deployed to. */
  namespace: pulumi.Input<string>;
  /**
   * kubeconfig context the analysis talks to.
   * @default the current context
   */
  kubeContext?: pulumi.Input<string>;
  /** The releases analysed; their revisions and image refs are the triggers. */
  releases: pulumi.Input<pulumi.Input<HealthReleaseRef>[]>;
  /** The validated `aiops` config slice. */
  aiops: AiopsConfig;
  /**
   * Names of Secrets in the namespace whose values are redacted from the report (e.g. the database
   * Secret). Only names cross into the command; the program reads the values with kubectl itself.
   * @default []
   */
  redactSecretNames?: pulumi.Input<pulumi.Input<string>[]>;
}

/** Repo root: where `aiops/cli.ts` and ts-node live. */
export const REPO_ROOT = path.resolve(__dirname, "..");

/** Variables that must never reach the analysis, even if the Pulumi process itself has them. */
export const SCRUBBED_ENV = ["DATABASE_URL", "PGPASSWORD", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GOOGLE_API_KEY"];

export { shellQuote };

/** The exact command line the Command runs. Pure, so tests read it without Pulumi. */
export function diagnoseCommand(input: {
  namespace: string;
  kubeContext?: string;
  releases: HealthReleaseRef[];
  aiops: AiopsConfig;
  redactSecretNames: string[];
}): string {
  const { aiops } = input;
  const args = [
    "--namespace",
    input.namespace,
    ...(input.kubeContext ? ["--context", input.kubeContext] : []),
    "--analyzer",
    aiops.analyzer,
    "--timeout",
    String(aiops.timeoutSeconds),
    "--history-size",
    String(aiops.historySize),
    "--fail-on",
    aiops.failOn,
    "--agent",
    aiops.agent,
    ...(aiops.kagentUrl ? ["--kagent-url", aiops.kagentUrl] : []),
    ...input.releases.flatMap((r) => ["--revision", `${r.name}=${r.revision}`]),
    ...input.redactSecretNames.flatMap((name) => ["--redact-secret", name]),
    "--record",
  ];
  const scrub = SCRUBBED_ENV.flatMap((name) => ["-u", name]);
  return ["env", ...scrub, "node", "-r", "ts-node/register/transpile-only", "aiops/cli.ts", ...args]
    .map(shellQuote)
    .join(" ");
}

/** Re-run when, and only when, a deployed image or a release revision changed. */
export function healthTriggers(releases: HealthReleaseRef[]): string[] {
  return releases.flatMap((r) => [`${r.name}@${r.revision}`, r.imageRef]);
}

/** The report from the command's stdout (its last line: the CLI prints one JSON document). */
export function parseReport(stdout: string): HealthReport {
  const line = stdout.trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(line) as HealthReport;
  } catch {
    throw new Error(`AiHealthCheck: the analysis printed no report JSON (stdout: ${stdout.slice(0, 200)})`);
  }
}

export class AiHealthCheck extends pulumi.ComponentResource {
  /** The health report; the program exports it as the stack output `health`. */
  readonly report: pulumi.Output<HealthReport>;
  readonly command: command.local.Command;

  constructor(name: string, args: AiHealthCheckArgs, opts?: pulumi.ComponentResourceOptions) {
    super("todo-platform:aiops:AiHealthCheck", name, {}, opts);
    const releases = pulumi.output(args.releases);
    const line = pulumi
      .all([args.namespace, args.kubeContext, releases, args.redactSecretNames ?? []])
      .apply(([namespace, kubeContext, resolved, redactSecretNames]) =>
        diagnoseCommand({ namespace, kubeContext, releases: resolved, aiops: args.aiops, redactSecretNames }),
      );
    this.command = new command.local.Command(
      `${name}-analysis`,
      {
        create: line,
        dir: REPO_ROOT,
        triggers: releases.apply(healthTriggers),
        // stdout is the report JSON, returned as an output rather than echoed; stderr is the
        // readable diagnosis, which belongs in the update's log.
        logging: "stderr",
      },
      // The analysis must see the releases' final state, not race them.
      { parent: this, dependsOn: opts?.dependsOn },
    );
    this.report = this.command.stdout.apply(parseReport);
    this.registerOutputs({ report: this.report });
  }
}
