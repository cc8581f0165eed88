import { spawnSync } from "node:child_process";
import * as pulumi from "@pulumi/pulumi";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import * as analysis from "../../aiops/invocation";
import * as health from "../../components/health";
import { aiopsConfigSchema } from "../../config/aiops";
import { type FakeWorld, fakeWorld } from "./fakes";

const created: { type: string; name: string; inputs: Record<string, unknown> }[] = [];
const transformed: pulumi.ResourceTransformationArgs[] = [];

beforeAll(() => {
  pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        created.push({ type: args.type, name: args.name, inputs: args.inputs });
        const state =
          args.type === "command:local:Command"
            ? {
                ...args.inputs,
                stdout: JSON.stringify({
                  analyzer: "kagent",
                  status: "healthy",
                  summary: "ok",
                  findings: [],
                  analyzedAt: "t",
                  revisions: { api: 3 },
                }),
              }
            : args.inputs;
        return { id: `${args.name}-id`, state };
      },
      call: (args) => args.inputs,
    },
    "todo-platform",
    "dev",
    false,
  );
});

function outputValue<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

/** Stands in for a helm.v3.Release: only its identity matters for dependsOn. */
class FakeRelease extends pulumi.CustomResource {
  constructor(name: string) {
    super("kubernetes:helm.sh/v3:Release", name, {});
  }
}

const releases = [
  { name: "todo-backend", revision: 3, status: "deployed", imageRef: "todo-backend:sha256-aaa" },
  { name: "todo-frontend", revision: 2, status: "deployed", imageRef: "todo-frontend:sha256-bbb" },
];

describe("AiHealthCheck wiring (Pulumi mocks)", () => {
  it("runs one local Command after both releases, triggered by image refs and revisions, logging stderr only", async () => {
    const backend = new FakeRelease("backend-release");
    const frontend = new FakeRelease("frontend-release");
    const check = new health.AiHealthCheck(
      "health",
      {
        namespace: "todo-dev",
        kubeContext: "minikube",
        releases,
        aiops: aiopsConfigSchema.parse({ failOn: "unhealthy" }),
        redactSecretNames: [pulumi.output("todo-database")],
      },
      {
        dependsOn: [backend, frontend],
        transformations: [
          (args) => {
            transformed.push(args);
            return undefined;
          },
        ],
      },
    );
    expect((await outputValue(check.report)).status).toBe("healthy");
    const cmd = created.find((r) => r.type === "command:local:Command");
    expect(cmd?.inputs.triggers).toEqual([
      "todo-backend@3",
      "todo-backend:sha256-aaa",
      "todo-frontend@2",
      "todo-frontend:sha256-bbb",
    ]);
    expect(cmd?.inputs.logging).toBe("stderr");
    expect(cmd?.inputs.environment).toBeUndefined();
    expect(cmd?.inputs.stdin).toBeUndefined();
    expect(cmd?.inputs.dir).toBe(analysis.REPO_ROOT);
    expect(cmd?.inputs.interpreter).toEqual([
      "node",
      "-r",
      "ts-node/register/transpile-only",
      "aiops/cli.ts",
      "--args-json",
    ]);
    expect(JSON.parse(String(cmd?.inputs.create))).toEqual({
      namespace: "todo-dev",
      context: "minikube",
      analyzer: "kagent",
      timeoutSeconds: 120,
      historySize: 20,
      failOn: "unhealthy",
      agent: "k8s-agent",
      revisions: { "todo-backend": 3, "todo-frontend": 2 },
      redactSecretNames: ["todo-database"],
      record: true,
    });
    const commandOpts = transformed.find((t) => t.type === "command:local:Command")?.opts;
    expect(commandOpts?.dependsOn).toEqual([backend, frontend]);
    expect(transformed.find((t) => t.type === "todo-platform:aiops:AiHealthCheck")).toBeDefined();
  });

  it("starts node itself with no shell syntax, JSON in create, and no previous output in the environment", () => {
    const cmd = created.find((r) => r.type === "command:local:Command");
    const interpreter = cmd?.inputs.interpreter as string[];
    expect(interpreter[0]).toBe("node");
    // Nothing a shell (sh -c, cmd /C) would have to interpret: no env -u, quotes, pipes, $ or %.
    for (const arg of interpreter) expect(arg).toMatch(/^[\w./-]+$/);
    expect(interpreter).not.toContain("env");
    expect(() => JSON.parse(String(cmd?.inputs.create))).not.toThrow();
    expect(cmd?.inputs.addPreviousOutputInEnv).toBe(false);
  });
});

describe("the Command's process, started as the command provider starts it (no shell), against fakes", () => {
  let world: FakeWorld | undefined;
  afterEach(() => world?.cleanup());

  /** interpreter[0] exec'd with interpreter[1:] and `create` as the last argument, in dir (run.go). */
  function runLikeTheProvider(invocation: { interpreter: string[]; create: string }, env: NodeJS.ProcessEnv) {
    const [program = "", ...args] = invocation.interpreter;
    return spawnSync(program, [...args, invocation.create], {
      cwd: analysis.REPO_ROOT,
      env,
      encoding: "utf8",
      shell: false,
      timeout: 60_000,
    });
  }

  const SECRETS = {
    DATABASE_URL: "postgres://u:CANARY-env-9z@db/x",
    PULUMI_CONFIG_PASSPHRASE: "CANARY-passphrase",
    PULUMI_CONFIG_PASSPHRASE_FILE: "/tmp/passphrase",
    PULUMI_ACCESS_TOKEN: "pul-CANARY",
    PULUMI_COMMAND_STDOUT: '{"status":"healthy","summary":"the previous report"}',
    PULUMI_COMMAND_STDERR: "the previous diagnosis",
    OPENAI_API_KEY: "sk-CANARY",
    GEMINI_API_KEY: "gem-CANARY",
  };

  it("fake kubectl and kagent: the report JSON on stdout, and none of the scrubbed variables reach any child", () => {
    world = fakeWorld(["kubectl", "kagent"], { FAKE_SCENARIO: "healthy", FAKE_KAGENT: "success" });
    const invocation = analysis.diagnoseInvocation({
      namespace: "todo",
      releases,
      aiops: aiopsConfigSchema.parse({}),
      redactSecretNames: ["todo-database"],
    });
    const run = runLikeTheProvider(invocation, { ...world.env, ...SECRETS });
    expect(run.status, run.stderr).toBe(0);
    expect(analysis.parseReport(run.stdout)).toMatchObject({ status: "healthy", revisions: { "todo-backend": 3 } });
    const calls = world.calls();
    expect(calls.some((call) => call.bin === "kagent")).toBe(true);
    expect(calls.length).toBeGreaterThan(3);
    for (const call of calls) expect(call.secretEnv).toEqual([]);
  });

  it("fake kubectl-ai with llmProvider gemini: only GEMINI_API_KEY passes through, to kubectl-ai", () => {
    world = fakeWorld(["kubectl", "kubectl-ai"], { FAKE_SCENARIO: "healthy" });
    const invocation = analysis.diagnoseInvocation({
      namespace: "todo",
      releases,
      aiops: aiopsConfigSchema.parse({ analyzer: "kubectl-ai", llmProvider: "gemini" }),
      redactSecretNames: [],
    });
    const run = runLikeTheProvider(invocation, { ...world.env, ...SECRETS });
    expect(run.status, run.stderr).toBe(0);
    const kubectlAi = world.calls("kubectl-ai");
    expect(kubectlAi).toHaveLength(1);
    expect(kubectlAi[0]?.secretEnv).toEqual(["GEMINI_API_KEY"]);
    for (const call of world.calls("kubectl")) expect(call.secretEnv).not.toContain("PULUMI_CONFIG_PASSPHRASE");
  });

  it("a JSON value with quotes, spaces, $ and % reaches the CLI unchanged (nothing splits or expands it)", () => {
    world = fakeWorld(["kubectl"], { FAKE_SCENARIO: "healthy" });
    const invocation = analysis.diagnoseInvocation({
      namespace: "todo",
      releases: [{ name: 'it\'s "a" $HOME %PATH%', revision: 4, status: "deployed", imageRef: "x" }],
      aiops: aiopsConfigSchema.parse({ analyzer: "none" }),
      redactSecretNames: [],
    });
    const run = runLikeTheProvider(invocation, world.env);
    expect(run.status, run.stderr).toBe(0);
    expect(analysis.parseReport(run.stdout).revisions).toEqual({ 'it\'s "a" $HOME %PATH%': 4 });
  });
});
