// The pack as the Pulumi CLI runs it: @pulumi/pulumi's run-policy-pack loads policy/index.ts with
// ts-node (type-checked, cwd policy/, so @pulumi/policy must resolve from there), the pack prints
// its gRPC port, and the engine's Analyzer calls reach the policies. Only the CLI is missing: the
// test plays the engine with the generated Analyzer client.
// The same pack started by the launcher the CLI built here uses when no Node.js language host is
// installed (scripts/local-cluster/plugins/), which the real-engine e2e relies on.
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { atomicReleases, pinnedImages, policies } from "./policies";

const POLICY_DIR = __dirname;
const RUN_POLICY_PACK = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [POLICY_DIR] });

// The engine-side pieces come from @pulumi/pulumi's own dependencies (no direct dependency here).
const fromPulumi = (id: string) => require.resolve(id, { paths: [require.resolve("@pulumi/pulumi")] });
// biome-ignore lint/suspicious/noExplicitAny: generated gRPC module
const grpc = require(fromPulumi("@grpc/grpc-js")) as any;
// biome-ignore lint/suspicious/noExplicitAny: generated protobuf modules without bundled types here
const analyzerPb = require("@pulumi/pulumi/proto/analyzer_pb") as any;
// biome-ignore lint/suspicious/noExplicitAny: generated gRPC client
const { AnalyzerClient } = require("@pulumi/pulumi/proto/analyzer_grpc_pb") as any;
// biome-ignore lint/suspicious/noExplicitAny: generated protobuf module
const { Struct } = require(fromPulumi("google-protobuf/google/protobuf/struct_pb")) as any;
// biome-ignore lint/suspicious/noExplicitAny: generated protobuf module
const { Empty } = require(fromPulumi("google-protobuf/google/protobuf/empty_pb")) as any;

/** Calls a unary method of the generated client as a promise. */
// biome-ignore lint/suspicious/noExplicitAny: generated client methods
function call<T>(client: any, method: string, request: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    client[method](request, (error: Error | null, response: T) => (error ? reject(error) : resolve(response)));
  });
}

function analyzeRequest(type: string, name: string, props: Record<string, unknown>) {
  const request = new analyzerPb.AnalyzeRequest();
  request.setType(type);
  request.setName(name);
  request.setUrn(`urn:pulumi:dev::todo-platform::${type}::${name}`);
  request.setProperties(Struct.fromJavaScript(props));
  request.setOptions(new analyzerPb.AnalyzerResourceOptions());
  return request;
}

interface ServedPack {
  process: ChildProcess;
  // biome-ignore lint/suspicious/noExplicitAny: generated client
  client: any;
}

/** Starts the pack with `command args` in policy/ (as the CLI does) and connects to the port it prints. */
async function servePack(command: string, args: string[]): Promise<ServedPack> {
  const pack = spawn(command, args, { cwd: POLICY_DIR });
  let stderr = "";
  pack.stderr?.on("data", (chunk) => {
    stderr += String(chunk);
  });
  const port = await new Promise<string>((resolve, reject) => {
    let stdout = "";
    pack.stdout?.on("data", (chunk) => {
      stdout += String(chunk);
      const match = /^(\d+)\s*$/m.exec(stdout);
      if (match?.[1]) resolve(match[1]);
    });
    pack.on("exit", (code) => reject(new Error(`policy pack exited with ${code} before serving:\n${stderr}`)));
  });
  return { process: pack, client: new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) };
}

function stopPack(served: ServedPack | undefined): void {
  served?.client?.close();
  served?.process.kill();
}

describe("the pack served by run-policy-pack (as `pulumi preview --policy-pack policy` starts it)", () => {
  let served: ServedPack | undefined;
  // biome-ignore lint/suspicious/noExplicitAny: generated client
  let client: any;

  beforeAll(async () => {
    // argv: <engine address> <program>; the engine address is only read by the CLI-side plumbing.
    served = await servePack(process.execPath, [RUN_POLICY_PACK, "127.0.0.1:0", "."]);
    client = served.client;
  }, 120_000);

  afterAll(() => stopPack(served));

  it("reports the pack name and every policy, all mandatory", async () => {
    const info = await call<{
      getName(): string;
      getPoliciesList(): { getName(): string; getEnforcementlevel(): number }[];
    }>(client, "getAnalyzerInfo", new Empty());
    expect(info.getName()).toBe("todo-platform-constitution");
    expect(info.getPoliciesList().map((p) => p.getName())).toEqual(policies.map((p) => p.name));
    expect(info.getPoliciesList().map((p) => p.getEnforcementlevel())).toEqual(
      policies.map(() => analyzerPb.EnforcementLevel.MANDATORY),
    );
  });

  it("returns a mandatory diagnostic for a non-atomic Release with a `latest` image", async () => {
    const response = await call<{
      getDiagnosticsList(): { getPolicyname(): string; getMessage(): string; getEnforcementlevel(): number }[];
    }>(
      client,
      "analyze",
      analyzeRequest("kubernetes:helm.sh/v3:Release", "backend", {
        name: "todo-backend",
        chart: "./charts/todo-service",
        atomic: false,
        values: {
          component: "backend",
          image: { ref: "todo-backend:latest" },
          secretEnv: [{ name: "DATABASE_URL", secretName: "todo-database", key: "DATABASE_URL" }],
          probes: { livenessPath: "/healthz", readinessPath: "/readyz" },
        },
      }),
    );
    // The server prefixes each message with the policy's description.
    expect(response.getDiagnosticsList().map((d) => [d.getPolicyname(), d.getMessage()])).toEqual([
      [
        "releases-atomic",
        `${atomicReleases.description}\nHelm release todo-backend is not atomic; set \`atomic: true\` on the Release`,
      ],
      [
        "images-pinned",
        `${pinnedImages.description}\nimage "todo-backend:latest" at values.image.ref uses the moving \`latest\` tag; use a content tag or a digest`,
      ],
    ]);
    expect(
      response.getDiagnosticsList().every((d) => d.getEnforcementlevel() === analyzerPb.EnforcementLevel.MANDATORY),
    ).toBe(true);
  });
});

describe("the pack started by scripts/local-cluster/plugins/pulumi-analyzer-policy-nodejs (the CLI's fallback without a Node.js language host)", () => {
  let served: ServedPack | undefined;

  beforeAll(async () => {
    const launcher = join(POLICY_DIR, "..", "scripts", "local-cluster", "plugins", "pulumi-analyzer-policy-nodejs");
    served = await servePack(launcher, ["127.0.0.1:0", "."]);
  }, 120_000);

  afterAll(() => stopPack(served));

  it("serves this pack: its name and every policy", async () => {
    const info = await call<{ getName(): string; getPoliciesList(): { getName(): string }[] }>(
      served?.client,
      "getAnalyzerInfo",
      new Empty(),
    );
    expect(info.getName()).toBe("todo-platform-constitution");
    expect(info.getPoliciesList().map((p) => p.getName())).toEqual(policies.map((p) => p.name));
  });
});
