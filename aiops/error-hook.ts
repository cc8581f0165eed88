// Failed deploys: a named pulumi.ErrorHook for the Helm releases. Pulumi calls it when the
// provider's create/update of the Release fails (helm's "timed out waiting for the condition" or
// "another operation is in progress"); it prints the facts-based diagnosis and, for a release stuck in
// a pending-* state, rolls it back and asks the engine to retry once. Resource hooks around each
// create/update run the rollout watch, whose record of crashed pods outlives Helm's atomic rollback.
import * as pulumi from "@pulumi/pulumi";

import type { AiopsConfig } from "../config/aiops";
import { type DiagnoseOptions, type Diagnosis, diagnose } from "./diagnose";
import { isStuckReleaseError, type RecoveryResult, type ReleaseTarget, recoverStuckRelease } from "./recovery";
import { RolloutWatch } from "./rollout-watch";

export const ERROR_HOOK_NAME = "todo-platform-aiops-diagnose-failed-release";
export const WATCH_START_HOOK_NAME = "todo-platform-aiops-watch-rollout";
export const WATCH_STOP_HOOK_NAME = "todo-platform-aiops-end-rollout-watch";

export interface DeployErrorHookOptions {
  aiops: AiopsConfig;
  /** Namespace when the failed resource's inputs do not name one. */
  namespace?: string;
  kubeContext?: string;
  /** Secrets whose values are redacted from the diagnosis (e.g. the database Secret). */
  redactSecretNames?: string[];
  /** Where the diagnosis goes. @default pulumi.log.error */
  log?: (text: string) => void;
  env?: NodeJS.ProcessEnv;
  /** Records the pods that crash while a release rolls out; the diagnosis reports them. */
  watch?: RolloutWatch;
  /** Seams for tests. */
  diagnoseFn?: (options: DiagnoseOptions) => Promise<Diagnosis>;
  recoverFn?: (target: ReleaseTarget) => Promise<RecoveryResult>;
}

type Inputs = Record<string, unknown> | undefined;
const str = (value: unknown) => (typeof value === "string" && value ? value : undefined);

/** The callback body, exported so tests call it with recorded ErrorHookArgs. Never throws. */
export function createErrorHandler(options: DeployErrorHookOptions) {
  const retried = new Set<string>();
  const log = options.log ?? ((text: string) => pulumi.log.error(text));
  const diagnoseFn = options.diagnoseFn ?? diagnose;
  const recoverFn = options.recoverFn ?? recoverStuckRelease;

  return async (args: pulumi.ErrorHookArgs): Promise<boolean> => {
    const inputs: Inputs = args.newInputs ?? args.oldInputs;
    const release = str(inputs?.name) ?? str((args.oldOutputs as Inputs)?.name) ?? args.name;
    const namespace = str(inputs?.namespace) ?? options.namespace ?? "default";
    const errors = args.errors ?? [];
    try {
      const rolloutPods = (await options.watch?.stop(args.urn)) ?? [];
      if (errors.some(isStuckReleaseError)) {
        if (retried.has(args.urn)) {
          log(`Helm release ${release} is still stuck after one rollback and retry; not retrying again.`);
          return false;
        }
        retried.add(args.urn);
        const result = await recoverFn({ release, namespace, context: options.kubeContext, env: options.env });
        log(`AIOps: ${result.message}${result.action === "rolled-back" ? "; retrying the deploy once" : ""}`);
        return result.action === "rolled-back";
      }
      const diagnosis = await diagnoseFn({
        namespace,
        context: options.kubeContext,
        aiops: options.aiops,
        redactSecretNames: options.redactSecretNames,
        keepEventsOfGonePods: true,
        rolloutPods,
        env: options.env,
      });
      log(`AIOps diagnosis of the failed ${args.failedOperation} of Helm release ${release}:\n${diagnosis.text}`);
    } catch (error) {
      log(`AIOps could not diagnose the failed ${args.failedOperation} of ${release}: ${(error as Error).message}`);
    }
    return false;
  };
}

/** One named hook for both releases: `hooks: { onError: [hook] }` in their resource options. */
export function createDeployErrorHook(options: DeployErrorHookOptions): pulumi.ErrorHook {
  return new pulumi.ErrorHook(ERROR_HOOK_NAME, createErrorHandler(options));
}

/** Pods of a release carry its name as app.kubernetes.io/instance (see the charts' _helpers.tpl). */
export const releasePodSelector = (release: string) => `app.kubernetes.io/instance=${release}`;

/**
 * Every hook the app releases take: the rollout watch around each create/update (never in preview)
 * and the error hook, which stops the watch and diagnoses with what it saw.
 */
const NEVER_FAIL_THE_DEPLOY: pulumi.ResourceHookOptions = { ignoreErrors: true };

export function createDeployHooks(options: Omit<DeployErrorHookOptions, "watch">): pulumi.ResourceHookBinding {
  const watch = new RolloutWatch();
  const start = new pulumi.ResourceHook(
    WATCH_START_HOOK_NAME,
    (args) => {
      const inputs = args.newInputs as Inputs;
      const release = str(inputs?.name) ?? args.name;
      const namespace = str(inputs?.namespace) ?? options.namespace ?? "default";
      watch.start(args.urn, { namespace, context: options.kubeContext, env: options.env }, releasePodSelector(release));
    },
    NEVER_FAIL_THE_DEPLOY,
  );
  const stop = new pulumi.ResourceHook(
    WATCH_STOP_HOOK_NAME,
    async (args) => {
      await watch.stop(args.urn);
    },
    NEVER_FAIL_THE_DEPLOY,
  );
  return {
    beforeCreate: [start],
    beforeUpdate: [start],
    afterCreate: [stop],
    afterUpdate: [stop],
    onError: [createDeployErrorHook({ ...options, watch })],
  };
}
