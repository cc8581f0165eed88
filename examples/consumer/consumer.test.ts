// The consumer example under Pulumi mocks: its StackReference answers with fake platform outputs
// (typed by the contract), or with the exports of the real platform program run under mocks, so a
// contract change that breaks readers fails here. Also: the runtime contract check
// (contractProblems), what the consumer creates from the outputs (namespace, ConfigMap, the
// backend check Job) and the Job's script against a local HTTP server.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { parse } from "yaml";
import { HEALTH_CHECK_OFF } from "../../outputs";
import { checkRestricted } from "../../test/deploy/support/pod-security";
import { runProgram, stackConfig } from "../../test/deploy/support/run-program";
import { contractProblems, PLATFORM_OUTPUT_KEYS, type PlatformOutputs } from "./platform";
import { BACKEND_CHECK_SCRIPT, CONSUMER_DEFAULTS } from "./resources";

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

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

async function resolve(output: unknown): Promise<Resolved> {
  // biome-ignore lint/suspicious/noExplicitAny: promise()/isSecret are the SDK's own test hooks
  const out = output as any;
  return { value: await out.promise(), secret: await out.isSecret };
}

/**
 * Loads examples/consumer/index.ts afresh under mocks whose StackReference returns `referenced`,
 * and returns the stack names it asked for, what it registered and its exports, settled.
 */
async function runConsumer(
  referenced: ReferencedStack,
  platformStack = PLATFORM_STACK,
  extraConfig: Record<string, string> = {},
) {
  const requested: string[] = [];
  const registered: Registered[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        if (args.type === "pulumi:pulumi:StackReference") {
          requested.push(String(args.inputs.name));
          return { id: String(args.inputs.name), state: { name: args.inputs.name, ...referenced } };
        }
        registered.push({ type: args.type, name: args.name, inputs: args.inputs });
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: (args) => args.inputs,
    },
    "todo-consumer",
    "dev",
    false,
  );
  pulumi.runtime.setAllConfig({
    "todo-consumer:platformStack": platformStack,
    ...Object.fromEntries(Object.entries(extraConfig).map(([key, value]) => [`todo-consumer:${key}`, value])),
  });
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
  const byType = (type: string) => registered.filter((r) => r.type === type);
  return { requested, registered, byType, exports, failures };
}

const NAMESPACE = "kubernetes:core/v1:Namespace";
const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
const JOB = "kubernetes:batch/v1:Job";
const PROVIDER = "pulumi:providers:kubernetes";

// biome-ignore lint/suspicious/noExplicitAny: the Job's inputs as registered, read field by field
type JobInputs = { metadata: any; spec: any };

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
      consumerNamespaceName: { value: "todo-consumer", secret: false },
      endpointsConfigMap: { value: "todo-platform-endpoints", secret: false },
      // The mocks do not auto-name; the engine gives backend-check-<suffix>.
      backendCheckJob: { value: undefined, secret: false },
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
    expect(exports.consumerNamespaceName?.secret).toBe(false);
  });

  it("creates its own namespace (config namespace, default todo-consumer) under Pod Security restricted, with its own provider", async () => {
    const { byType } = await runConsumer({ outputs: { ...FAKE_PLATFORM }, secretOutputNames: [] });
    const [ns] = byType(NAMESPACE);
    expect(ns?.inputs.metadata).toMatchObject({
      name: "todo-consumer",
      labels: { "pod-security.kubernetes.io/enforce": "restricted" },
      annotations: { "todo-platform.dev/platform-stack": PLATFORM_STACK },
    });
    expect(byType(PROVIDER).map((p) => p.inputs.context)).toEqual(["minikube"]);

    const custom = await runConsumer({ outputs: { ...FAKE_PLATFORM }, secretOutputNames: [] }, PLATFORM_STACK, {
      namespace: "team-a",
      kubeContext: "todo-local",
    });
    expect(custom.byType(NAMESPACE).map((n) => (n.inputs.metadata as { name: string }).name)).toEqual(["team-a"]);
    expect(custom.byType(PROVIDER).map((p) => p.inputs.context)).toEqual(["todo-local"]);
    expect(custom.byType(JOB).map((j) => (j.inputs as JobInputs).metadata.namespace)).toEqual(["team-a"]);
  });

  it("writes the ConfigMap todo-platform-endpoints from appUrl and the backend's Service", async () => {
    const { byType } = await runConsumer({ outputs: { ...FAKE_PLATFORM }, secretOutputNames: [] });
    const configMaps = byType(CONFIG_MAP);
    expect(configMaps).toHaveLength(1);
    expect(configMaps[0]?.inputs.metadata).toMatchObject({
      name: "todo-platform-endpoints",
      namespace: "todo-consumer",
    });
    expect(configMaps[0]?.inputs.data).toEqual({
      appUrl: FAKE_PLATFORM.appUrl,
      backendUrl: FAKE_PLATFORM.backend.serviceUrl,
      backendDns: FAKE_PLATFORM.backend.serviceDns,
      backendImage: FAKE_PLATFORM.backend.imageRef,
    });
  });

  it("runs a Job of the platform's backend image that GETs <backend.serviceUrl>/healthz, restricted, auto-named, kept", async () => {
    const { byType } = await runConsumer({ outputs: { ...FAKE_PLATFORM }, secretOutputNames: [] });
    const jobs = byType(JOB);
    expect(jobs).toHaveLength(1);
    const job = jobs[0]?.inputs as JobInputs;
    // No fixed name: a changed template replaces the Job (create, then delete the old one).
    expect(job.metadata.name).toBeUndefined();
    expect(job.metadata.namespace).toBe("todo-consumer");
    expect(job.metadata.annotations).toEqual({ "pulumi.com/replaceUnready": "true" });
    expect(job.spec.ttlSecondsAfterFinished).toBeUndefined();
    expect(job.spec.backoffLimit).toBeLessThanOrEqual(2);
    const pod = job.spec.template.spec;
    expect(pod.restartPolicy).toBe("Never");
    expect(pod.containers).toHaveLength(1);
    const [container] = pod.containers;
    expect(container.image).toBe(FAKE_PLATFORM.backend.imageRef);
    expect(container.imagePullPolicy).toBe("IfNotPresent");
    expect(container.command).toEqual([
      "node",
      "-e",
      BACKEND_CHECK_SCRIPT,
      `${FAKE_PLATFORM.backend.serviceUrl}/healthz`,
    ]);
    expect(container.command[3]).toBe("http://todo-backend.todo-dev.svc.cluster.local:80/healthz");
    expect(container.resources.limits).toEqual({ cpu: "500m", memory: "128Mi" });
    // The backend's own user (app/backend/Dockerfile USER 1000, the chart's podSecurityContext).
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
    });
    expect(checkRestricted({ kind: "Job", spec: job.spec })).toEqual([]);
  });
});

describe("contractProblems: the contract of outputs.ts checked at runtime", () => {
  it("accepts outputs that honour it, a health report or HEALTH_CHECK_OFF, and extra outputs", () => {
    expect(contractProblems(FAKE_PLATFORM)).toEqual([]);
    expect(contractProblems({ ...FAKE_PLATFORM, health: HEALTH_CHECK_OFF })).toEqual([]);
    expect(contractProblems({ ...FAKE_PLATFORM, addedLater: { any: "thing" } })).toEqual([]);
  });

  it("never quotes the value of a secret output", () => {
    const broken = { ...FAKE_PLATFORM, backend: { ...FAKE_PLATFORM.backend, serviceUrl: "http://user:pw@x" } };
    expect(contractProblems(broken, new Set(["backend"]))).toEqual([
      "backend.serviceUrl is [secret], expected http://todo-backend.todo-dev.svc.cluster.local:80 (http://<serviceDns>:80)",
    ]);
  });

  it.each([
    [
      "a wrong type",
      { ...FAKE_PLATFORM, backend: { ...FAKE_PLATFORM.backend, serviceUrl: 42 } },
      ["backend.serviceUrl is 42, expected a string http://<serviceDns>:80"],
    ],
    [
      "a URL that is not the Service's",
      { ...FAKE_PLATFORM, backend: { ...FAKE_PLATFORM.backend, serviceUrl: "http://elsewhere:8080" } },
      [
        'backend.serviceUrl is "http://elsewhere:8080", expected http://todo-backend.todo-dev.svc.cluster.local:80 (http://<serviceDns>:80)',
      ],
    ],
    [
      "a missing output",
      (({ databaseSecretName: _gone, ...rest }) => rest)(FAKE_PLATFORM),
      ["databaseSecretName is missing, expected a string"],
    ],
    [
      "an unknown database mode",
      { ...FAKE_PLATFORM, databaseMode: "sqlite" },
      ['databaseMode is "sqlite", expected "neon" or "in-cluster"'],
    ],
    [
      "a health report of another shape",
      { ...FAKE_PLATFORM, health: { ...FAKE_PLATFORM.health, findings: "none" } },
      ['health.findings is "none", expected an array of findings'],
    ],
    [
      "a health status of neither kind",
      { ...FAKE_PLATFORM, health: { status: "fine" } },
      [
        'health.status is "fine", expected a health report (status healthy, degraded, unhealthy, unavailable) or HEALTH_CHECK_OFF (status "off")',
      ],
    ],
    [
      "a Helm revision that is not one",
      { ...FAKE_PLATFORM, frontend: { ...FAKE_PLATFORM.frontend, revision: "3" } },
      ['frontend.revision is "3", expected a number'],
    ],
    [
      "a Service DNS name outside the namespace",
      {
        ...FAKE_PLATFORM,
        backend: {
          ...FAKE_PLATFORM.backend,
          serviceDns: "todo-backend.other.svc.cluster.local",
          serviceUrl: "http://todo-backend.other.svc.cluster.local:80",
        },
      },
      [
        'backend.serviceDns is "todo-backend.other.svc.cluster.local", expected todo-backend.todo-dev.svc.cluster.local (<releaseName>.<namespace>.svc.cluster.local)',
      ],
    ],
    [
      "no object at all",
      "outputs",
      [`the outputs are "outputs", expected an object with ${PLATFORM_OUTPUT_KEYS.join(", ")}`],
    ],
  ])("names the key and what is wrong: %s", (_case, value, problems) => {
    expect(contractProblems(value)).toEqual(problems);
  });
});

describe("the check Job's script (node -e, as in the backend image)", () => {
  let server: Server;
  let url = "";
  const answers: number[] = [];
  beforeAll(async () => {
    server = createServer((request, response) => {
      const status = request.url === "/healthz" ? (answers.shift() ?? 200) : 404;
      response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ status: "ok" }));
    });
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  const check = (target: string, budgetMs: string) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
      execFile(process.execPath, ["-e", BACKEND_CHECK_SCRIPT, target, budgetMs], (error, stdout, stderr) =>
        done({ code: error ? (error.code as number) : 0, stdout, stderr }),
      );
    });

  it("exits 0 on 200 from /healthz, after retrying a 503", async () => {
    answers.push(503);
    const result = await check(`${url}/healthz`, "10000");
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`GET ${url}/healthz: 200 {"status":"ok"} (attempt 2)`);
  }, 20_000);

  it("exits 1 with the last failure on stderr when the answer is never 200", async () => {
    const result = await check(`${url}/nope`, "2500");
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^GET ${url}/nope failed after \\d+ attempts in 2.5 s: HTTP 404`));
  }, 20_000);
});

it("the config defaults in code are examples/consumer/Pulumi.yaml's", () => {
  const project = parse(readFileSync(join(__dirname, "Pulumi.yaml"), "utf8")) as {
    config: Record<string, { type: string; default: unknown }>;
  };
  expect(project.config).toMatchObject({
    platformStack: { type: "string", default: PLATFORM_STACK },
    namespace: { type: "string", default: CONSUMER_DEFAULTS.namespace },
    kubeContext: { type: "string", default: CONSUMER_DEFAULTS.kubeContext },
  });
});

// These load examples/consumer/index.ts the way Pulumi does (node -r ts-node/register), under the
// mocks preload, whose StackReference answers with the given outputs. A broken contract is tested
// here, in a process of its own: the failed registrations are the program's unhandled rejections.
describe("examples/consumer loaded like Pulumi loads it", () => {
  const CONSUMER = join(__dirname, "index.ts");
  const REFERENCE_URN = "urn:pulumi:dev::todo-consumer::pulumi:pulumi:StackReference::platform";
  const consumerRun = (outputs: Record<string, unknown>, secretOutputNames: string[] = []) =>
    runProgram(
      { platformStack: PLATFORM_STACK },
      {
        program: CONSUMER,
        project: "todo-consumer",
        stackReferences: { [PLATFORM_STACK]: { outputs, secretOutputNames } },
      },
    );

  it("derives its resources and exports from the exports of the real platform program (index.ts under mocks)", () => {
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
    expect(run.report.resources.map((r) => `${r.type}::${r.name}`)).toEqual([
      "pulumi:pulumi:StackReference::platform",
      `${PROVIDER}::cluster`,
      `${NAMESPACE}::namespace`,
      `${CONFIG_MAP}::endpoints`,
      `${JOB}::backend-check`,
    ]);
    const backend = programExports.backend?.value as PlatformOutputs["backend"];
    const values = Object.fromEntries(Object.entries(run.report.exports).map(([name, e]) => [name, e.value]));
    expect(values).toMatchObject({
      namespace: programExports.namespace?.value,
      backendDns: backend.serviceDns,
      backendUrl: backend.serviceUrl,
      backendImage: backend.imageRef,
      // The dev stack sets no databaseUrl: the in-cluster database.
      usesNeon: false,
      // The mocks preload's stand-in health report says healthy (no analysis runs under mocks).
      platformHealthy: true,
      consumerNamespaceName: "todo-consumer",
      endpointsConfigMap: "todo-platform-endpoints",
    });
    expect(values.backendDns).toBe("todo-backend.todo-dev.svc.cluster.local");
    expect(values.backendImage).toMatch(/^todo-backend:[0-9a-f]{12}$/);
    const job = run.report.resources.find((r) => r.type === JOB)?.inputs as JobInputs;
    expect(job.spec.template.spec.containers[0].image).toBe(backend.imageRef);
    expect(job.spec.template.spec.containers[0].command[3]).toBe(`${backend.serviceUrl}/healthz`);
  }, 240_000);

  it("makes every resource it creates wait for the StackReference (dependsOn), so a missing platform stack creates nothing", () => {
    const run = consumerRun({ ...FAKE_PLATFORM });
    expect(run.exitCode, run.stderr).toBe(0);
    const own = run.report.resources.filter((r) => r.type !== "pulumi:pulumi:StackReference");
    expect(own.map((r) => r.type)).toEqual([PROVIDER, NAMESPACE, CONFIG_MAP, JOB]);
    for (const resource of own) expect(resource.dependencies, resource.name).toContain(REFERENCE_URN);
  }, 120_000);

  it("fails its update, naming the output and the stack, when the platform stack lacks an output", () => {
    const { backend: _missing, ...withoutBackend } = FAKE_PLATFORM;
    const run = consumerRun(withoutBackend);
    expect(run.exitCode).not.toBe(0);
    expect(run.report.completed).toBe(false);
    expect(run.stderr).toContain(`Required output 'backend' does not exist on stack '${PLATFORM_STACK}'.`);
    expect(run.report.resources.map((r) => r.type)).not.toContain(NAMESPACE);
  }, 120_000);

  it("fails its update with the contract error, naming the key, when an output has another shape", () => {
    const run = consumerRun({ ...FAKE_PLATFORM, backend: { ...FAKE_PLATFORM.backend, serviceUrl: 42 } });
    expect(run.exitCode).not.toBe(0);
    expect(run.report.completed).toBe(false);
    expect(run.stderr).toContain(
      `stack ${PLATFORM_STACK} breaks the todo-platform output contract (outputs.ts): backend.serviceUrl is 42, expected a string http://<serviceDns>:80`,
    );
    // Nothing but the StackReference: not even the provider (its context waits for the check).
    expect(run.report.resources.map((r) => r.type)).toEqual(["pulumi:pulumi:StackReference"]);
  }, 120_000);
  it("quotes no value of a secret output in that error", () => {
    const run = consumerRun({ ...FAKE_PLATFORM, backend: { ...FAKE_PLATFORM.backend, serviceUrl: 42 } }, ["backend"]);
    expect(run.exitCode).not.toBe(0);
    expect(run.stderr).toContain("backend.serviceUrl is [secret], expected a string http://<serviceDns>:80");
    expect(run.stderr).not.toContain("serviceUrl is 42");
  }, 120_000);
});
