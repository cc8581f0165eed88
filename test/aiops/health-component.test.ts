import { execFileSync } from "node:child_process";
import * as pulumi from "@pulumi/pulumi";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
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
    const line = String(cmd?.inputs.create);
    expect(line).toContain("--namespace todo-dev --context minikube --analyzer kagent --timeout 120");
    expect(line).toContain("--fail-on unhealthy");
    expect(line).toContain(
      "--revision todo-backend=3 --revision todo-frontend=2 --redact-secret todo-database --record",
    );
    expect(line).toMatch(/^env -u DATABASE_URL -u PGPASSWORD /);
    const commandOpts = transformed.find((t) => t.type === "command:local:Command")?.opts;
    expect(commandOpts?.dependsOn).toEqual([backend, frontend]);
    expect(transformed.find((t) => t.type === "todo-platform:aiops:AiHealthCheck")).toBeDefined();
  });

  it("quotes values that a shell would split", () => {
    expect(health.shellQuote("it's here")).toBe("'it'\\''s here'");
    expect(health.shellQuote("todo-dev")).toBe("todo-dev");
  });
});

describe("the generated command line, run for real against fakes", () => {
  let world: FakeWorld | undefined;
  afterEach(() => world?.cleanup());

  it("scrubs DATABASE_URL from the analysis's environment and prints the report JSON", () => {
    world = fakeWorld(["kubectl", "kagent"], { FAKE_SCENARIO: "healthy", FAKE_KAGENT: "success" });
    const line = health.diagnoseCommand({
      namespace: "todo",
      releases,
      aiops: aiopsConfigSchema.parse({}),
      redactSecretNames: ["todo-database"],
    });
    const stdout = execFileSync("/bin/sh", ["-c", line], {
      cwd: health.REPO_ROOT,
      env: { ...world.env, PATH: `${world.env.PATH}:/usr/bin:/bin`, DATABASE_URL: "postgres://u:CANARY-env-9z@db/x" },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(health.parseReport(stdout)).toMatchObject({ status: "healthy", revisions: { "todo-backend": 3 } });
    const calls = world.calls();
    expect(calls.length).toBeGreaterThan(3);
    for (const call of calls) expect(call.secretEnv).toEqual([]);
  });
});
