// AiHealthCheck: after both releases, runs the AIOps analysis (aiops/cli.ts) as a local command and
// turns its stdout into the `health` stack output. It re-runs only when something deployed changed
// (image refs and release revisions are its triggers), and nothing secret is passed to it: it reads
// the values to redact from the named Kubernetes Secrets itself, and the CLI deletes the variables of
// its SCRUBBED_ENV (aiops/cli.ts) from its own environment before anything else. The Command starts
// node directly (no shell), so it runs the same on Linux, macOS and Windows.

import * as path from "node:path";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { CliArgsJson } from "../aiops/cli";
import type { HealthReport } from "../aiops/types";
import type { AiopsConfig } from "../config/aiops";

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

/** Repo root: where `aiops/cli.ts` and ts-node live; the Command's working directory. */
export const REPO_ROOT = path.resolve(__dirname, "..");

/**
 * What the Command execs: node itself, never a shell (the command provider uses `/bin/sh -c` or
 * `cmd /C` only without an interpreter). The provider appends `create`, the CliArgsJson document, as
 * the last argument, so `--args-json` takes it whole: nothing is split or quoted on any platform.
 */
export const HEALTH_INTERPRETER: readonly string[] = [
  "node",
  "-r",
  "ts-node/register/transpile-only",
  "aiops/cli.ts",
  "--args-json",
];

export interface DiagnoseInput {
  namespace: string;
  kubeContext?: string;
  releases: HealthReleaseRef[];
  aiops: AiopsConfig;
  redactSecretNames: string[];
}

/** The analysis options the Command hands the CLI. Pure. */
export function diagnoseArgs(input: DiagnoseInput): CliArgsJson {
  const { aiops } = input;
  return {
    namespace: input.namespace,
    ...(input.kubeContext ? { context: input.kubeContext } : {}),
    analyzer: aiops.analyzer,
    timeoutSeconds: aiops.timeoutSeconds,
    historySize: aiops.historySize,
    failOn: aiops.failOn,
    agent: aiops.agent,
    ...(aiops.kagentUrl ? { kagentUrl: aiops.kagentUrl } : {}),
    // Only kubectl-ai reads it; left out otherwise so a provider change re-runs nothing.
    ...(aiops.analyzer === "kubectl-ai" ? { llmProvider: aiops.llmProvider } : {}),
    revisions: Object.fromEntries(input.releases.map((r) => [r.name, r.revision])),
    redactSecretNames: input.redactSecretNames,
    record: true,
  };
}

/**
 * The exact process the Command starts: `interpreter` with `create` appended as the last argument,
 * run in REPO_ROOT. Pure, so tests (and scripts/local-cluster/engine.ts) run it without Pulumi.
 */
export function diagnoseInvocation(input: DiagnoseInput): { interpreter: string[]; create: string } {
  return { interpreter: [...HEALTH_INTERPRETER], create: JSON.stringify(diagnoseArgs(input)) };
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
    // off means no health check: the program creates none (program/health.ts), never one that would not run.
    if (args.aiops.analyzer === "off") {
      throw new Error(
        `AiHealthCheck ${name}: aiops.analyzer is off, which means no health check; do not create an AiHealthCheck`,
      );
    }
    super("todo-platform:aiops:AiHealthCheck", name, {}, opts);
    const releases = pulumi.output(args.releases);
    const create = pulumi
      .all([args.namespace, args.kubeContext, releases, args.redactSecretNames ?? []])
      .apply(
        ([namespace, kubeContext, resolved, redactSecretNames]) =>
          diagnoseInvocation({ namespace, kubeContext, releases: resolved, aiops: args.aiops, redactSecretNames })
            .create,
      );
    this.command = new command.local.Command(
      `${name}-analysis`,
      {
        interpreter: [...HEALTH_INTERPRETER],
        create,
        dir: REPO_ROOT,
        triggers: releases.apply(healthTriggers),
        // The provider would otherwise put the previous report in PULUMI_COMMAND_STDOUT/STDERR of the
        // next run (the CLI deletes both as well).
        addPreviousOutputInEnv: false,
        // stdout is the report JSON, returned as an output rather than echoed (it is kept in the
        // state in plaintext, see docs/aiops.md); stderr is the readable diagnosis, which belongs in
        // the update's log.
        logging: "stderr",
      },
      // The analysis must see the releases' final state, not race them.
      { parent: this, dependsOn: opts?.dependsOn },
    );
    this.report = this.command.stdout.apply(parseReport);
    this.registerOutputs({ report: this.report });
  }
}
