// Typed access to todo-platform's stack outputs: the contract type (outputs.ts) over requireOutput.
import type * as pulumi from "@pulumi/pulumi";

import type { PlatformOutputs } from "../../outputs";

export type { PlatformOutputs };

/**
 * One output of the platform stack, typed by the contract. requireOutput fails the update when
 * the stack has no such output (e.g. before its first `pulumi up`) instead of yielding undefined,
 * and keeps a secret output secret.
 */
export function requirePlatformOutput<K extends keyof PlatformOutputs>(
  platform: pulumi.StackReference,
  name: K,
): pulumi.Output<PlatformOutputs[K]> {
  return platform.requireOutput(name) as pulumi.Output<PlatformOutputs[K]>;
}
