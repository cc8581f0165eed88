// AiHealthCheck: after both releases, runs the AIOps analysis (aiops/cli.ts) as a local command and
// turns its stdout into the `health` stack output. It re-runs only when something deployed changed
// (image refs and release revisions are its triggers), and nothing secret is passed to it: it reads
// the values to redact from the named Kubernetes Secrets itself, and the CLI deletes the variables of
// its SCRUBBED_ENV (aiops/cli.ts) from its own environment before anything else. The Command starts
// node directly (no shell), so it runs the same on Linux, macOS and Windows.

import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import {
  diagnoseInvocation,
  HEALTH_INTERPRETER,
  type HealthReleaseRef,
  parseReport,
  REPO_ROOT,
} from "../aiops/invocation";
import type { HealthReport } from "../aiops/types";
import type { AiopsConfig } from "../config/aiops";

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

/** Re-run when, and only when, a deployed image or a release revision changed. */
export function healthTriggers(releases: HealthReleaseRef[]): string[] {
  return releases.flatMap((r) => [`${r.name}@${r.revision}`, r.imageRef]);
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
