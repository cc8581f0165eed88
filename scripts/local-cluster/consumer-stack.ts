// The consumer stack of the real-engine e2e (engine.ts): examples/consumer as a project of its own
// (its Pulumi.yaml, project todo-consumer) on the same file backend as the platform, its
// index.ts run as an inline program the way the language host would (index-program.ts). It reads
// the platform's outputs with a StackReference, checks them against outputs.ts, writes the
// ConfigMap todo-platform-endpoints and runs a Job in its own namespace that GETs the backend's
// /healthz with the platform's backend image (docs/deploy.md, "Reading the outputs from another
// stack"). The platform stack must list that namespace in networkPolicyAllowNamespaces.
//
//   const consumer = await createConsumerStack({ checkout, stackName: "e2e", platformStack: "organization/todo-platform/<stack>", namespace: "todo-consumer", kubeContext: KUBE_CONTEXT, envVars: cli.env });
//   const outputs = await upConsumer(consumer);   // backendCheckJob, endpointsConfigMap, ...
//   log(await expectMissingPlatformRefused({ ...same, stackName: "e2e-refused", platformStack: "organization/todo-platform/nope", namespace: "todo-consumer-refused" }));
//   await destroyConsumer(consumer);
//
// A StackReference to a stack that does not exist: the engine's builtin provider reads it
// (pkg/resource/deploy/builtins.go readStackReference → backendClient.GetStackOutputs), the file
// ("diy") backend's GetStack answers nil, nil for a stack without a checkpoint
// (pkg/backend/diy/backend.go GetStack, errCheckpointNotFound), and GetStackOutputs turns that into
// `fmt.Errorf("unknown stack %q", name)` (pkg/backend/backend.go), all as of pulumi/pulumi v3.248.0,
// the CLI this e2e builds; pkg/engine/lifecycletest/pulumi_test.go TestStackReference expects the
// same `error: unknown stack "…"` diagnostic. So the update fails with
// `unknown stack "organization/todo-platform/nope"` on the StackReference. A read that fails is not
// written to the state (pkg/backend/snapshot.go readSnapshotMutation.End marks the new state only
// when successful), and every consumer resource depends on the StackReference (dependsOn: the
// SDK waits for its URN, which a failed read never gives), so the state then holds only the
// pulumi:pulumi:Stack resource and the default `pulumi` provider the read went through, and the
// cluster nothing. Checked with that CLI on a scratch file backend (no cluster needed to fail):
//   pulumi:pulumi:StackReference (platform):
//     error: unknown stack "organization/todo-platform/nope"
//   Resources: + 1 created, 2 errored   (state: pulumi:pulumi:Stack, pulumi:providers:pulumi)
//
// Loads nothing of program/ or components/ (test/deploy/import-graph.test.ts).
import { join } from "node:path";
import { LocalWorkspace, type OutputMap, type Stack } from "@pulumi/pulumi/automation";

import { indexProgram } from "./index-program";
import { run } from "./support";

/** The consumer project inside a checkout: its Pulumi.yaml, index.ts and tsconfig.json. */
export const CONSUMER_PROJECT_DIR = join("examples", "consumer");

export interface ConsumerStackArgs {
  /** A checkout of the repository (support.ts copyCheckout): the stack's config file is written in its examples/consumer. */
  checkout: string;
  stackName: string;
  /** Full name of the platform stack to read, organization/todo-platform/<stack> on a file backend. */
  platformStack: string;
  /** The consumer's own namespace (config `namespace`). */
  namespace: string;
  /** kubeconfig context of the platform's cluster (config `kubeContext`). */
  kubeContext: string;
  /** The CLI's environment, the same as the platform's: HOME, PULUMI_BACKEND_URL, PULUMI_CONFIG_PASSPHRASE, KUBECONFIG. */
  envVars: Record<string, string>;
}

/** The consumer stack (created, or selected when it exists) with platformStack, namespace and kubeContext set. */
export async function createConsumerStack(args: ConsumerStackArgs): Promise<Stack> {
  const workDir = join(args.checkout, CONSUMER_PROJECT_DIR);
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName: args.stackName, projectName: "todo-consumer", program: indexProgram(workDir) },
    { workDir, envVars: { ...args.envVars } },
  );
  await stack.setAllConfig({
    platformStack: { value: args.platformStack },
    namespace: { value: args.namespace },
    kubeContext: { value: args.kubeContext },
  });
  return stack;
}

const outputValues = (outputs: OutputMap): Record<string, unknown> =>
  Object.fromEntries(Object.entries(outputs).map(([key, output]) => [key, output.value]));

/**
 * `pulumi up` of the consumer, its index.ts loaded afresh (a file edited since is read again);
 * returns the stack outputs' plain values. Throws the engine's error when the update fails.
 */
export async function upConsumer(stack: Stack): Promise<Record<string, unknown>> {
  stack.workspace.program = indexProgram(stack.workspace.workDir);
  const result = await stack.up({ color: "never" });
  if (result.summary.result !== "succeeded") {
    throw new Error(`pulumi up of the consumer: ${result.summary.result}\n${result.stdout}`);
  }
  return outputValues(result.outputs);
}

/** `pulumi destroy` of the consumer (its namespace, ConfigMap and Job), then the stack removed. */
export async function destroyConsumer(stack: Stack): Promise<void> {
  stack.workspace.program = indexProgram(stack.workspace.workDir);
  await stack.destroy({ color: "never" });
  await stack.workspace.removeStack(stack.name);
}

/** What expectMissingPlatformRefused saw. */
export interface MissingPlatformEvidence {
  platformStack: string;
  namespace: string;
  /** The failed update's error message, or undefined when the update succeeded. */
  upError: string | undefined;
  /** Types of the resources in the consumer's state after the update. */
  stateTypes: string[];
  /** Whether the consumer's namespace existed after the update. */
  namespaceExists: boolean;
}

/**
 * Types the state may hold after the refused update: the stack itself (its create step completes
 * first) and the engine's default provider of the builtin `pulumi` package, which the
 * StackReference's read goes through (creates nothing; seen with the v3.248.0 CLI against a file
 * backend: state `pulumi:pulumi:Stack, pulumi:providers:pulumi`).
 */
const ALLOWED_AFTER_REFUSAL = new Set(["pulumi:pulumi:Stack", "pulumi:providers:pulumi"]);

/**
 * The one-line verdict on a consumer update against a missing platform stack, or an error listing
 * every way it differs from the expected refusal: failed with the engine's
 * `unknown stack "<platformStack>"`, nothing but the Stack resource and the default `pulumi`
 * provider in the state, no namespace.
 */
export function missingPlatformVerdict(evidence: MissingPlatformEvidence): string {
  const expected = `unknown stack "${evidence.platformStack}"`;
  const problems: string[] = [];
  if (evidence.upError === undefined) problems.push("the update succeeded");
  else if (!evidence.upError.includes(expected)) {
    problems.push(`the update failed without naming the stack (${expected}): ${evidence.upError.trim().slice(-2000)}`);
  }
  const extra = evidence.stateTypes.filter((type) => !ALLOWED_AFTER_REFUSAL.has(type));
  if (extra.length > 0) problems.push(`the state holds ${extra.join(", ")}`);
  if (evidence.namespaceExists) problems.push(`namespace ${evidence.namespace} exists`);
  if (problems.length > 0) {
    throw new Error(
      `a consumer of the missing stack ${evidence.platformStack} was not refused cleanly: ${problems.join("; ")}`,
    );
  }
  return `consumer of the missing stack ${evidence.platformStack} refused: ${expected}; state: ${evidence.stateTypes.join(", ") || "empty"}; namespace ${evidence.namespace} not created`;
}

/** Whether `namespace` exists in the cluster of `kubeContext` (kubectl with the CLI's KUBECONFIG). */
function namespaceExists(args: ConsumerStackArgs): boolean {
  const env = args.envVars.KUBECONFIG ? { KUBECONFIG: args.envVars.KUBECONFIG } : {};
  const found = run(
    "kubectl",
    ["--context", args.kubeContext, "get", "namespace", args.namespace, "--ignore-not-found", "-o", "name"],
    { env },
  );
  return found.trim() !== "";
}

/**
 * Runs the consumer against `args.platformStack`, a stack that does not exist, and proves it is
 * refused: the update fails naming the stack, the state holds nothing but the Stack resource (and
 * the default `pulumi` provider of the StackReference's read), the
 * namespace (which must not exist before) was not created. Returns the verdict for the run's log,
 * throws otherwise; removes the stack either way.
 */
export async function expectMissingPlatformRefused(args: ConsumerStackArgs): Promise<string> {
  if (namespaceExists(args)) {
    throw new Error(
      `namespace ${args.namespace} exists before the run, so its absence afterwards would prove nothing: pass a namespace no stack creates`,
    );
  }
  const stack = await createConsumerStack(args);
  try {
    let upError: string | undefined;
    try {
      await upConsumer(stack);
    } catch (error) {
      upError = String((error as Error).message ?? error);
    }
    const state = (await stack.exportStack()).deployment as { resources?: { type: string }[] } | undefined;
    return missingPlatformVerdict({
      platformStack: args.platformStack,
      namespace: args.namespace,
      upError,
      stateTypes: (state?.resources ?? []).map((resource) => resource.type),
      namespaceExists: namespaceExists(args),
    });
  } finally {
    await stack.workspace.removeStack(args.stackName, { force: true }).catch(() => {});
  }
}
