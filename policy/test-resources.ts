// Test support: PolicyResources as the policy engine hands them over, for the pack's tests.
import type { PolicyResource } from "@pulumi/policy";

/** Resource options the engine reports for a resource with no special options. */
export const DEFAULT_OPTIONS: PolicyResource["opts"] = {
  protect: false,
  ignoreChanges: [],
  aliases: [],
  additionalSecretOutputs: [],
  customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
};

/** One resource of a stack under validation (no typed view: the policies read raw props). */
export function policyResource(fields: {
  type: string;
  name: string;
  props: Record<string, unknown>;
  urn?: string;
  parent?: PolicyResource;
  dependencies?: PolicyResource[];
}): PolicyResource {
  return {
    type: fields.type,
    name: fields.name,
    props: fields.props,
    urn: fields.urn ?? `urn:pulumi:dev::todo-platform::${fields.type}::${fields.name}`,
    opts: DEFAULT_OPTIONS,
    dependencies: fields.dependencies ?? [],
    parent: fields.parent,
    propertyDependencies: {},
    isType: () => false,
    asType: () => undefined,
  };
}
