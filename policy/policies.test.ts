// Each policy's validate function called with fabricated arguments, the way pulumi-policy tests
// its own policies: a compliant resource or stack reports nothing, each breach reports a message
// that names the problem.
import type {
  PolicyResource,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { describe, expect, it } from "vitest";

import { releaseValues } from "../components/release-values";
import { imageRefProblem, secretFindings, TYPES } from "./inspect";
import {
  atomicReleases,
  frontendMinReplicas,
  healthAnalysisPresent,
  noSecretsInReleaseValues,
  pinnedImages,
  policies,
  releaseProbes,
  separateReleases,
} from "./policies";
import { policyResource } from "./test-resources";

type Values = Record<string, unknown>;

/** Values as components/release-values.ts computes them (trimmed to what the policies read). */
function todoValues(component: "backend" | "frontend", overrides: Values = {}): Values {
  return {
    fullnameOverride: `todo-${component}`,
    component,
    replicaCount: 2,
    image: { ref: `todo-${component}:0123456789ab`, pullPolicy: "Never" },
    env: component === "frontend" ? { BACKEND_URL: "http://todo-backend.todo-dev.svc.cluster.local:80" } : {},
    secretEnv:
      component === "backend" ? [{ name: "DATABASE_URL", secretName: "todo-database", key: "DATABASE_URL" }] : [],
    probes: { livenessPath: "/healthz", readinessPath: "/readyz" },
    podAnnotations: { "todo-platform.dev/database-secret-version": "4711" },
    ...overrides,
  };
}

function releaseProps(component: "backend" | "frontend", overrides: Values = {}, values: Values = {}): Values {
  return {
    name: `todo-${component}`,
    chart: "./charts/todo-service",
    namespace: "todo-dev",
    atomic: true,
    values: todoValues(component, values),
    ...overrides,
  };
}

function resource(
  type: string,
  name: string,
  props: Values,
  graph: { parent?: PolicyResource; dependencies?: PolicyResource[] } = {},
): PolicyResource {
  return policyResource({ type, name, props, ...graph });
}

function resourceArgs(type: string, name: string, props: Values, config: Values = {}): ResourceValidationArgs {
  const { asType: _stackAsType, ...base } = resource(type, name, props);
  return {
    ...base,
    asType: () => undefined,
    stackTags: new Map(),
    getConfig: <T extends object>() => config as T,
    notApplicable: (reason?: string): never => {
      throw new Error(`notApplicable: ${reason}`);
    },
  };
}

async function violationsOf(policy: ResourceValidationPolicy, args: ResourceValidationArgs): Promise<string[]> {
  const messages: string[] = [];
  const validations = policy.validateResource;
  for (const validate of Array.isArray(validations) ? validations : validations ? [validations] : []) {
    await validate(args, (message) => messages.push(message));
  }
  return messages;
}

async function stackViolationsOf(policy: StackValidationPolicy, resources: PolicyResource[]): Promise<string[]> {
  const messages: string[] = [];
  const args: StackValidationArgs = {
    resources,
    stackTags: new Map(),
    getConfig: <T extends object>() => ({}) as T,
    notApplicable: (reason?: string): never => {
      throw new Error(`notApplicable: ${reason}`);
    },
  };
  await policy.validateStack(args, (message) => messages.push(message));
  return messages;
}

const release = (component: "backend" | "frontend", overrides: Values = {}, values: Values = {}) =>
  resourceArgs(TYPES.release, component, releaseProps(component, overrides, values));

/** The shape index.ts builds: both releases, then the AiHealthCheck whose analysis Command waits for both. */
function compliantStack(options: { analysisWaitsFor?: ("backend" | "frontend")[] } = {}): PolicyResource[] {
  const backend = resource(TYPES.release, "backend", releaseProps("backend"));
  const frontend = resource(TYPES.release, "frontend", releaseProps("frontend"));
  const health = resource(TYPES.healthCheck, "health", {});
  const waitsFor = (options.analysisWaitsFor ?? ["backend", "frontend"]).map((c) =>
    c === "backend" ? backend : frontend,
  );
  const analysis = resource(TYPES.command, "health-analysis", {}, { parent: health, dependencies: waitsFor });
  return [backend, frontend, health, analysis];
}

describe("the pack", () => {
  it("has seven uniquely named policies, all mandatory", () => {
    expect(new Set(policies.map((p) => p.name)).size).toBe(7);
    expect(policies.every((p) => p.enforcementLevel === "mandatory")).toBe(true);
  });

  it("finds nothing wrong with releases shaped like the program's", async () => {
    for (const policy of policies) {
      if ("validateStack" in policy) {
        expect(await stackViolationsOf(policy, compliantStack())).toEqual([]);
      } else {
        expect(await violationsOf(policy, release("backend"))).toEqual([]);
        expect(await violationsOf(policy, release("frontend"))).toEqual([]);
      }
    }
  });
});

describe("the program's own values (components/release-values.ts)", () => {
  const computed = (component: "backend" | "frontend") =>
    releaseValues({
      component,
      releaseName: `todo-${component}`,
      imageRef: `todo-${component}:0123456789ab`,
      pullPolicy: "Never",
      replicas: 2,
      databaseSecret: { name: "todo-database", key: "DATABASE_URL", version: "4711" },
      backendUrl: "http://todo-backend.todo-dev.svc.cluster.local:80",
      chartChecksum: "f".repeat(64),
    }) as unknown as Values;

  it("pass every resource policy", async () => {
    for (const component of ["backend", "frontend"] as const) {
      const args = resourceArgs(TYPES.release, component, releaseProps(component, { values: computed(component) }));
      for (const policy of policies) {
        if ("validateResource" in policy) expect(await violationsOf(policy, args), policy.name).toEqual([]);
      }
    }
  });
});

describe("frontend-min-replicas", () => {
  it("reports a frontend with one replica and names the config fix", async () => {
    expect(await violationsOf(frontendMinReplicas, release("frontend", {}, { replicaCount: 1 }))).toEqual([
      "frontend release todo-frontend has replicaCount 1; the constitution needs at least 2 (pulumi config set frontendReplicas 2)",
    ]);
  });

  it("reports a frontend whose replica count is not set", async () => {
    const values = todoValues("frontend");
    delete values.replicaCount;
    expect(await violationsOf(frontendMinReplicas, release("frontend", { values }))).toEqual([
      expect.stringContaining("has no replicaCount"),
    ]);
  });

  it("does not apply to the backend", async () => {
    expect(await violationsOf(frontendMinReplicas, release("backend", {}, { replicaCount: 1 }))).toEqual([]);
  });

  it("honours a stricter minimum from policy config", async () => {
    const args = resourceArgs(TYPES.release, "frontend", releaseProps("frontend"), { minReplicas: 3 });
    expect(await violationsOf(frontendMinReplicas, args)).toEqual([
      expect.stringContaining("has replicaCount 2; the constitution needs at least 3"),
    ]);
  });

  it("accepts one replica when policy config lowers the minimum (allowSingleFrontendReplica stacks)", async () => {
    const args = resourceArgs(TYPES.release, "frontend", releaseProps("frontend", {}, { replicaCount: 1 }), {
      minReplicas: 1,
    });
    expect(await violationsOf(frontendMinReplicas, args)).toEqual([]);
  });
});

describe("backend-frontend-separate-releases", () => {
  it("reports a stack with only one Todo release", async () => {
    const messages = await stackViolationsOf(separateReleases, [
      resource(TYPES.release, "backend", releaseProps("backend")),
    ]);
    expect(messages).toEqual(["expected exactly one frontend release, found 0"]);
  });

  it("reports backend and frontend running the same image", async () => {
    const shared = { image: { ref: "todo-all:0123456789ab", pullPolicy: "Never" } };
    const messages = await stackViolationsOf(separateReleases, [
      resource(TYPES.release, "backend", releaseProps("backend", {}, shared)),
      resource(TYPES.release, "frontend", releaseProps("frontend", {}, shared)),
    ]);
    expect(messages).toEqual([expect.stringContaining("run the same image todo-all:0123456789ab")]);
  });

  it("reports a todo-service release that is neither backend nor frontend", async () => {
    const messages = await stackViolationsOf(separateReleases, [
      ...compliantStack(),
      resource(TYPES.release, "both", releaseProps("backend", { name: "todo-both" }, { component: "all" })),
    ]);
    expect(messages).toEqual([expect.stringContaining("values.component")]);
  });

  it("ignores stacks without Todo releases (e.g. a consumer stack)", async () => {
    expect(
      await stackViolationsOf(separateReleases, [
        resource(TYPES.release, "x", { chart: "ingress-nginx", atomic: true }),
      ]),
    ).toEqual([]);
  });
});

describe("releases-atomic", () => {
  it("reports a release without atomic, naming the fix", async () => {
    expect(await violationsOf(atomicReleases, release("backend", { atomic: false }))).toEqual([
      "Helm release todo-backend is not atomic; set `atomic: true` on the Release",
    ]);
  });

  it("applies to every Release, not only the Todo chart", async () => {
    const args = resourceArgs(TYPES.release, "kagent", {
      name: "kagent",
      chart: "oci://ghcr.io/kagent-dev/kagent/helm/kagent",
    });
    expect(await violationsOf(atomicReleases, args)).toHaveLength(1);
  });

  it("leaves other resource types alone", async () => {
    expect(await violationsOf(atomicReleases, resourceArgs("kubernetes:core/v1:Secret", "db", {}))).toEqual([]);
  });
});

describe("images-pinned", () => {
  it.each([
    ["todo-backend", "has no tag"],
    ["todo-backend:latest", "latest"],
    ["registry.local:5000/todo-backend", "has no tag"],
  ])("reports release image %s", async (ref, problem) => {
    const [message] = await violationsOf(
      pinnedImages,
      release("backend", {}, { image: { ref, pullPolicy: "Always" } }),
    );
    expect(message).toContain(problem);
    expect(message).toContain("values.image.ref");
  });

  it("accepts a registry with a port and a tag, and a digest", async () => {
    for (const ref of ["registry.local:5000/team/todo-backend:abc123", `todo-backend@sha256:${"a".repeat(64)}`]) {
      expect(
        await violationsOf(pinnedImages, release("backend", {}, { image: { ref, pullPolicy: "Always" } })),
      ).toEqual([]);
    }
  });

  it("reports a latest tag on a docker-build Image", async () => {
    const args = resourceArgs(TYPES.dockerBuildImage, "backend", {
      tags: ["todo-backend:0123", "todo-backend:latest"],
    });
    expect(await violationsOf(pinnedImages, args)).toEqual([expect.stringContaining("tags[1]")]);
  });

  it("reports an untagged @pulumi/docker Image", async () => {
    const args = resourceArgs(TYPES.dockerImage, "backend", { imageName: "registry.local/todo-backend" });
    expect(await violationsOf(pinnedImages, args)).toHaveLength(1);
  });

  it("reads {repository, tag} image blocks of third-party charts", async () => {
    const args = resourceArgs(TYPES.release, "kagent", {
      atomic: true,
      values: { controller: { image: { repository: "kagent/controller", tag: "latest" } } },
    });
    expect(await violationsOf(pinnedImages, args)).toEqual([
      expect.stringContaining("values.controller.image.repository"),
    ]);
  });
});

describe("no-secrets-in-release-values", () => {
  it("reports a database URL in plain env and says where it belongs", async () => {
    const messages = await violationsOf(
      noSecretsInReleaseValues,
      release("backend", {}, { env: { DATABASE_URL: "postgresql://app:s3cret@ep-x.neon.tech/todo?sslmode=require" } }),
    );
    expect(messages).toEqual([expect.stringMatching(/^values\.env\.DATABASE_URL .*Kubernetes Secret/)]);
  });

  it.each([
    [{ database: { url: "postgres://todo@db:5432/todo" } }, "is a database URL"],
    [{ redis: "redis://user:hunter2@cache:6379" }, "URL with a password"],
    [{ llm: { apiKey: "abc" } }, "literal apiKey"],
    [{ auth: { dbPassword: "abc" } }, "literal dbPassword"],
    [{ providers: [{ key: "sk-proj-0123456789abcdefABCDEF" }] }, "API key or password"],
    [{ note: "npg_AbCdEf123456" }, "API key or password"],
  ])("reports %j", async (values, reason) => {
    const messages = await violationsOf(noSecretsInReleaseValues, release("backend", {}, values));
    expect(messages).toEqual([expect.stringContaining(reason)]);
  });

  it("accepts references to Secrets by name", async () => {
    const values = { existingSecret: "todo-database", auth: { passwordSecretName: "todo-db", token: "" } };
    expect(await violationsOf(noSecretsInReleaseValues, release("backend", {}, values))).toEqual([]);
  });

  it.each([
    ["no secretEnv", { secretEnv: [] }],
    ["a secretEnv entry without a Secret name", { secretEnv: [{ name: "DATABASE_URL", secretName: "", key: "url" }] }],
  ])("reports a backend with %s, which would have no DATABASE_URL from a Secret", async (_case, values) => {
    expect(await violationsOf(noSecretsInReleaseValues, release("backend", {}, values))).toEqual([
      "backend release todo-backend does not read DATABASE_URL from a Secret (values.secretEnv needs {name: DATABASE_URL, secretName, key})",
    ]);
  });

  it("does not ask the frontend for a database Secret", async () => {
    expect(await violationsOf(noSecretsInReleaseValues, release("frontend", {}, { secretEnv: [] }))).toEqual([]);
  });

  it("finds nested credentials with their full path", () => {
    expect(secretFindings({ a: [{ b: { clientSecret: "x" } }] })).toEqual([
      { path: "values.a[0].b.clientSecret", reason: "is a literal clientSecret" },
    ]);
  });
});

describe("release-health-probes", () => {
  it("reports a release whose readiness probe path was blanked", async () => {
    const values = { probes: { livenessPath: "/healthz", readinessPath: "" } };
    expect(await violationsOf(releaseProbes, release("backend", {}, values))).toEqual([
      "release todo-backend has no readinessPath probe (values.probes.readinessPath must be an HTTP path)",
    ]);
  });

  it("reports both probes when values carry none", async () => {
    const values = todoValues("frontend");
    delete values.probes;
    expect(await violationsOf(releaseProbes, release("frontend", { values }))).toHaveLength(2);
  });

  it("does not apply to third-party releases", async () => {
    const args = resourceArgs(TYPES.release, "kagent", { chart: "kagent", atomic: true, values: {} });
    expect(await violationsOf(releaseProbes, args)).toEqual([]);
  });
});

describe("health-analysis-present", () => {
  it("reports a stack with the Todo releases but no AI health check", async () => {
    const withoutHealth = compliantStack().filter((r) => r.type === TYPES.release);
    expect(await stackViolationsOf(healthAnalysisPresent, withoutHealth)).toEqual([
      `the stack deploys the Todo releases but has no ${TYPES.healthCheck} resource (components/health.ts, created in index.ts after both releases; aiops.analyzer off leaves it out)`,
    ]);
  });

  it("reports an AiHealthCheck without its analysis Command", async () => {
    const withoutCommand = compliantStack().filter((r) => r.type !== TYPES.command);
    expect(await stackViolationsOf(healthAnalysisPresent, withoutCommand)).toEqual([
      `${TYPES.healthCheck} has no ${TYPES.command} child running the analysis`,
    ]);
  });

  it("does not count a Command that is not the health check's child", async () => {
    const stack = compliantStack();
    const analysis = stack.find((r) => r.type === TYPES.command);
    if (analysis) analysis.parent = undefined;
    expect(await stackViolationsOf(healthAnalysisPresent, stack)).toEqual([
      `${TYPES.healthCheck} has no ${TYPES.command} child running the analysis`,
    ]);
  });

  it("reports the release the analysis does not wait for", async () => {
    expect(await stackViolationsOf(healthAnalysisPresent, compliantStack({ analysisWaitsFor: ["backend"] }))).toEqual([
      "the health analysis does not wait for release todo-frontend; pass the release in the AiHealthCheck's dependsOn",
    ]);
  });

  it("ignores stacks without Todo releases", async () => {
    expect(
      await stackViolationsOf(healthAnalysisPresent, [resource(TYPES.release, "x", { chart: "ingress-nginx" })]),
    ).toEqual([]);
  });
});

describe("imageRefProblem", () => {
  it("tells a registry port from a tag", () => {
    expect(imageRefProblem("localhost:5000/todo")).toMatch(/no tag/);
    expect(imageRefProblem("localhost:5000/todo:1.2.3")).toBeUndefined();
    expect(imageRefProblem("todo:LATEST")).toMatch(/latest/);
    expect(imageRefProblem("todo:")).toMatch(/empty tag/);
  });
});
