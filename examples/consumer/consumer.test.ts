// The consumer example under Pulumi mocks: its StackReference answers with fake platform outputs
// (typed by the contract), or with the exports of the real platform program run under mocks, so a
// contract change that breaks readers fails here.
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it, vi } from "vitest";
import { HEALTH_CHECK_OFF } from "../../outputs";
import { runProgram, stackConfig } from "../../test/deploy/support/run-program";
import type { PlatformOutputs } from "./platform";

const PLATFORM_STACK = "organization/todo-platform/dev";

/** What the fake Pulumi engine returns for the referenced stack. */
interface ReferencedStack {
  outputs: Record<string, unknown>;
  secretOutputNames: string[];
}

interface Resolved {
  value: unknown;
  secret: boolean;
}

/** Platform outputs a deployed dev stack could have; the type keeps the fake in step with outputs.ts. */
const FAKE_PLATFORM: PlatformOutputs = {
  appUrl: "minikube -p minikube service -n todo-dev todo-frontend --url",
  namespace: "todo-dev",
  frontend: {
    releaseName: "todo-frontend",
    revision: 3,
    status: "deployed",
    imageRef: "todo-frontend:0a1b2c3d4e5f",
    serviceDns: "todo-frontend.todo-dev.svc.cluster.local",
    serviceUrl: "http://todo-frontend.todo-dev.svc.cluster.local:80",
  },
  backend: {
    releaseName: "todo-backend",
    revision: 4,
    status: "deployed",
    imageRef: "todo-backend:5f4e3d2c1b0a",
    serviceDns: "todo-backend.todo-dev.svc.cluster.local",
    serviceUrl: "http://todo-backend.todo-dev.svc.cluster.local:80",
  },
  databaseMode: "neon",
  databaseSecretName: "todo-database",
  health: {
    analyzer: "kagent",
    status: "degraded",
    summary: "1 warning",
    findings: [],
    analyzedAt: "2025-01-01T00:00:00.000Z",
    revisions: { "todo-backend": 4, "todo-frontend": 3 },
  },
};

async function resolve(output: unknown): Promise<Resolved> {
  // biome-ignore lint/suspicious/noExplicitAny: promise()/isSecret are the SDK's own test hooks
  const out = output as any;
  return { value: await out.promise(), secret: await out.isSecret };
}

/**
 * Loads examples/consumer/index.ts afresh under mocks whose StackReference returns `referenced`,
 * and returns the stack names it asked for and its exports, settled.
 */
async function runConsumer(referenced: ReferencedStack, platformStack = PLATFORM_STACK) {
  const requested: string[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        if (args.type === "pulumi:pulumi:StackReference") {
          requested.push(String(args.inputs.name));
          return { id: String(args.inputs.name), state: { name: args.inputs.name, ...referenced } };
        }
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: (args) => args.inputs,
    },
    "todo-consumer",
    "dev",
    false,
  );
  pulumi.runtime.setAllConfig({ "todo-consumer:platformStack": platformStack });
  vi.resetModules();
  const program = (await import("./index.js")) as Record<string, unknown>;
  const names = Object.keys(program);
  const settled = await Promise.allSettled(names.map((name) => resolve(program[name])));
  const exports: Record<string, Resolved> = {};
  const failures: Record<string, string> = {};
  settled.forEach((result, index) => {
    const name = names[index] as string;
    if (result.status === "fulfilled") exports[name] = result.value;
    else failures[name] = String(result.reason?.message ?? result.reason);
  });
  return { requested, exports, failures };
}

describe("examples/consumer reading fake platform outputs", () => {
  it("references the configured stack and derives the backend's DNS, URL and image", async () => {
    const { requested, exports, failures } = await runConsumer({
      outputs: { ...FAKE_PLATFORM },
      secretOutputNames: [],
    });
    expect(failures).toEqual({});
    expect(requested).toEqual([PLATFORM_STACK]);
    expect(exports).toEqual({
      namespace: { value: "todo-dev", secret: false },
      backendDns: { value: "todo-backend.todo-dev.svc.cluster.local", secret: false },
      backendUrl: { value: "http://todo-backend.todo-dev.svc.cluster.local:80", secret: false },
      backendImage: { value: "todo-backend:5f4e3d2c1b0a", secret: false },
      usesNeon: { value: true, secret: false },
      platformHealthy: { value: false, secret: false },
    });
  });

  it("reads another stack when platformStack says so", async () => {
    const { requested } = await runConsumer(
      { outputs: { ...FAKE_PLATFORM }, secretOutputNames: [] },
      "organization/todo-platform/staging",
    );
    expect(requested).toEqual(["organization/todo-platform/staging"]);
  });

  it("reads a platform without a health check (aiops.analyzer off) as not known to be healthy", async () => {
    const off: PlatformOutputs = { ...FAKE_PLATFORM, health: HEALTH_CHECK_OFF };
    const { exports, failures } = await runConsumer({ outputs: { ...off }, secretOutputNames: [] });
    expect(failures).toEqual({});
    expect(exports.platformHealthy).toEqual({ value: false, secret: false });
    expect(exports.backendUrl?.value).toBe("http://todo-backend.todo-dev.svc.cluster.local:80");
  });

  it("keeps what it derives from a secret platform output secret", async () => {
    const { exports } = await runConsumer({ outputs: { ...FAKE_PLATFORM }, secretOutputNames: ["backend"] });
    expect(exports.backendDns).toEqual({ value: "todo-backend.todo-dev.svc.cluster.local", secret: true });
    expect(exports.namespace?.secret).toBe(false);
  });
});

// These load examples/consumer/index.ts the way Pulumi does (node -r ts-node/register), under the
// mocks preload, whose StackReference answers with the given outputs.
describe("examples/consumer loaded like Pulumi loads it", () => {
  const CONSUMER = join(__dirname, "index.ts");
  const consumerRun = (outputs: Record<string, unknown>, secretOutputNames: string[] = []) =>
    runProgram(
      { platformStack: PLATFORM_STACK },
      {
        program: CONSUMER,
        project: "todo-consumer",
        stackReferences: { [PLATFORM_STACK]: { outputs, secretOutputNames } },
      },
    );

  it("derives its exports from the exports of the real platform program (index.ts under mocks)", () => {
    const platform = runProgram(stackConfig("dev"));
    expect(platform.report.completed, platform.stderr).toBe(true);
    const programExports = platform.report.exports;
    const run = consumerRun(
      Object.fromEntries(Object.entries(programExports).map(([name, e]) => [name, e.value])),
      Object.entries(programExports)
        .filter(([, e]) => e.secret)
        .map(([name]) => name),
    );
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.report.resources.map((r) => `${r.type}::${r.inputs.name}`)).toEqual([
      `pulumi:pulumi:StackReference::${PLATFORM_STACK}`,
    ]);
    const backend = programExports.backend?.value as PlatformOutputs["backend"];
    const values = Object.fromEntries(Object.entries(run.report.exports).map(([name, e]) => [name, e.value]));
    expect(values).toEqual({
      namespace: programExports.namespace?.value,
      backendDns: backend.serviceDns,
      backendUrl: backend.serviceUrl,
      backendImage: backend.imageRef,
      // The dev stack sets no databaseUrl: the in-cluster database.
      usesNeon: false,
      // The mocks preload's stand-in health report says healthy (no analysis runs under mocks).
      platformHealthy: true,
    });
    expect(values.backendDns).toBe("todo-backend.todo-dev.svc.cluster.local");
    expect(values.backendImage).toMatch(/^todo-backend:[0-9a-f]{12}$/);
  }, 240_000);

  it("fails its update, naming the output and the stack, when the platform stack lacks an output", () => {
    const { backend: _missing, ...withoutBackend } = FAKE_PLATFORM;
    const run = consumerRun(withoutBackend);
    expect(run.exitCode).not.toBe(0);
    expect(run.report.completed).toBe(false);
    expect(run.stderr).toContain(`Required output 'backend' does not exist on stack '${PLATFORM_STACK}'.`);
  }, 120_000);
});
