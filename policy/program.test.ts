// The pack against what the real program registers: index.ts runs under the mocks preload (as
// test/deploy does) with the embedded-database, no-LLM config the e2e script uses, and every
// registered resource, with its parent and dependencies, is fed to every policy the way the
// engine would. The real program must pass; cutting one edge it has must not.
import type { PolicyResource, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import { beforeAll, describe, expect, it } from "vitest";

import type { RegisteredResource } from "../test/deploy/support/program-mocks";
import { type ProgramRun, runProgram } from "../test/deploy/support/run-program";
import { TYPES } from "./inspect";
import { healthAnalysisPresent, policies } from "./policies";
import { policyResource } from "./test-resources";

/** PolicyResources as the engine builds them: props, plus parent and dependencies resolved to resources. */
function toPolicyResources(registered: RegisteredResource[]): PolicyResource[] {
  const resources = registered.map((entry) =>
    policyResource({ type: entry.type, name: entry.name, urn: entry.urn, props: entry.inputs }),
  );
  const byUrn = new Map(resources.map((resource) => [resource.urn, resource]));
  registered.forEach((entry, index) => {
    const resource = resources[index] as PolicyResource;
    resource.parent = entry.parent ? byUrn.get(entry.parent) : undefined;
    resource.dependencies = (entry.dependencies ?? []).flatMap((urn) => byUrn.get(urn) ?? []);
  });
  return resources;
}

const noConfig = {
  stackTags: new Map<string, string>(),
  getConfig: <T extends object>() => ({}) as T,
  notApplicable: (reason?: string): never => {
    throw new Error(`notApplicable: ${reason}`);
  },
};

/** Every violation of the pack over the stack, as `policy: message`. */
async function packViolations(resources: PolicyResource[]): Promise<string[]> {
  const found: string[] = [];
  for (const policy of policies) {
    const report = (message: string) => found.push(`${policy.name}: ${message}`);
    if ("validateStack" in policy) {
      const args: StackValidationArgs = { resources, ...noConfig };
      await policy.validateStack(args, report);
      continue;
    }
    const validations = policy.validateResource;
    for (const resource of resources) {
      const args: ResourceValidationArgs = { ...resource, ...noConfig, asType: () => undefined };
      for (const validate of Array.isArray(validations) ? validations : validations ? [validations] : []) {
        await validate(args, report);
      }
    }
  }
  return found;
}

/** Runs index.ts with the config under mocks and returns its resources as the engine would hand them over. */
function loadProgram(config: Record<string, string>): { run: ProgramRun; resources: PolicyResource[] } {
  const run = runProgram(config);
  return { run, resources: toPolicyResources(run.report.resources) };
}

describe("the pack over the real program's resources (index.ts under mocks)", () => {
  let run: ProgramRun;
  let resources: PolicyResource[];

  beforeAll(() => {
    ({ run, resources } = loadProgram({ imageLoader: "none", aiops: JSON.stringify({ analyzer: "none" }) }));
  }, 180_000);

  it("registers both releases and the health analysis", () => {
    const names = resources.map((r) => `${r.type}::${r.name}`);
    expect(names, run.stderr).toEqual(
      expect.arrayContaining([
        `${TYPES.release}::backend`,
        `${TYPES.release}::frontend`,
        `${TYPES.healthCheck}::health`,
        `${TYPES.command}::health-analysis`,
      ]),
    );
  });

  it("passes every policy of the pack", async () => {
    expect(await packViolations(resources)).toEqual([]);
  });

  it("fails health-analysis-present once the analysis no longer waits for the frontend release", async () => {
    const analysis = resources.find((r) => r.type === TYPES.command && r.name === "health-analysis");
    const frontend = resources.find((r) => r.type === TYPES.release && r.name === "frontend");
    expect(analysis?.dependencies).toContain(frontend);
    const cut = resources.map((r) =>
      r === analysis ? { ...r, dependencies: r.dependencies.filter((d) => d !== frontend) } : r,
    );
    const messages: string[] = [];
    await healthAnalysisPresent.validateStack({ resources: cut, ...noConfig }, (m) => messages.push(m));
    expect(messages).toEqual([
      "the health analysis does not wait for release todo-frontend; pass the release in the AiHealthCheck's dependsOn",
    ]);
  });

  it("still reports health-analysis-present, mandatory, for a stack with aiops.analyzer off (no health check registered)", async () => {
    const off = loadProgram({ imageLoader: "none", aiops: JSON.stringify({ analyzer: "off" }) });
    expect(off.run.exitCode, off.run.stderr).toBe(0);
    expect(off.resources.some((r) => r.type === TYPES.healthCheck)).toBe(false);
    expect(healthAnalysisPresent.enforcementLevel).toBe("mandatory");
    expect(await packViolations(off.resources)).toEqual([
      `health-analysis-present: the stack deploys the Todo releases but has no ${TYPES.healthCheck} resource (components/health.ts, created in index.ts after both releases; aiops.analyzer off leaves it out)`,
    ]);
  }, 180_000);

  it("reports a laptop stack with allowSingleFrontendReplica, which the program accepts but the constitution does not", async () => {
    const laptop = loadProgram({
      imageLoader: "none",
      aiops: JSON.stringify({ analyzer: "none" }),
      frontendReplicas: "1",
      allowSingleFrontendReplica: "true",
    });
    expect(laptop.resources.length, laptop.run.stderr).toBeGreaterThan(0);
    expect(await packViolations(laptop.resources)).toEqual([
      "frontend-min-replicas: frontend release todo-frontend has replicaCount 1; the constitution needs at least 2 (pulumi config set frontendReplicas 2)",
    ]);
  }, 180_000);
});
