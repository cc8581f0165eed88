import { afterEach, describe, expect, it } from "vitest";
import { main, SCRUBBED_ENV, scrubbedEnvFor } from "../../aiops/cli";
import { type FakeWorld, fakeWorld } from "./fakes";

let world: FakeWorld | undefined;
afterEach(() => world?.cleanup());

async function cli(args: string[], vars: Record<string, string> = {}) {
  world = fakeWorld(["kubectl", "kagent", "helm"], vars);
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { stdout: (t) => out.push(t), stderr: (t) => err.push(t), env: world.env });
  return { code, stdout: out.join("\n"), stderr: err.join("\n") };
}

describe("npm run diagnose (aiops/cli.ts) with fakes", () => {
  it("prints the report JSON on stdout and the diagnosis on stderr; records history with --record", async () => {
    const { code, stdout, stderr } = await cli(
      [
        "--namespace",
        "todo",
        "--revision",
        "api=3",
        "--revision",
        "web=2",
        "--record",
        "--redact-secret",
        "todo-database",
      ],
      { FAKE_SCENARIO: "crashloop", FAKE_KAGENT: "success" },
    );
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({ analyzer: "kagent", status: "unhealthy", revisions: { api: 3, web: 2 } });
    expect(stderr).toContain("CrashLoopBackOff");
    expect(stdout + stderr).not.toContain("CANARY-s3cr3t-7f1e");
    expect(world?.calls("kubectl").some((c) => c.args.includes("apply"))).toBe(true);
  });

  it("--fail-on unhealthy exits 1 with the summary", async () => {
    const { code, stderr } = await cli(["--fail-on", "unhealthy", "--analyzer", "none"], {
      FAKE_SCENARIO: "crashloop",
    });
    expect(code).toBe(1);
    expect(stderr).toContain('aiops.failOn is "unhealthy": failing the deploy. unhealthy: ');
  });

  it("--fail-on unhealthy lets a degraded deploy pass", async () => {
    const { code } = await cli(["--fail-on", "unhealthy", "--analyzer", "none"], { FAKE_SCENARIO: "pending" });
    expect(code).toBe(0);
  });

  it("--history prints what --record stored, in the dev stack's namespace by default", async () => {
    world = fakeWorld(["kubectl"], { FAKE_SCENARIO: "healthy" });
    const io = { stdout: (_: string) => {}, stderr: (_: string) => {}, env: world.env };
    await main(["--analyzer", "none", "--record", "--revision", "api=7"], io);
    const lines: string[] = [];
    expect(await main(["--history"], { ...io, stdout: (t) => lines.push(t) })).toBe(0);
    expect(lines.join("\n")).toMatch(/healthy\s+api@7\s+healthy: every Deployment in todo-dev is fully available/);
  });

  it("rejects a bad option with the usage and exit code 2", async () => {
    const { code, stderr } = await cli(["--analyzer", "gpt"]);
    expect(code).toBe(2);
    expect(stderr).toContain("invalid option analyzer");
    expect(stderr).toContain("usage: npm run diagnose");
  });

  it("refuses analyzer off (the stack setting that runs no analysis), as a flag and in --args-json, running nothing", async () => {
    const flag = await cli(["--analyzer", "off"]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("invalid option analyzer: off runs no analysis");
    expect(flag.stderr).toContain("use none for the cluster facts without an analyzer");
    expect(world?.calls("kubectl")).toEqual([]);
    const json = await cli(["--args-json", JSON.stringify({ namespace: "todo", analyzer: "off" })]);
    expect(json.code).toBe(2);
    expect(json.stderr).toContain("invalid --args-json field analyzer: off runs no analysis");
  });

  it("--recover-release rolls a stuck release back through a fake helm", async () => {
    const { code, stdout } = await cli(["--recover-release", "api"], { FAKE_HELM_STATUS: "pending-install" });
    expect(code).toBe(0);
    expect(stdout).toContain("rolled back to revision 3");
  });
});

describe("--args-json: the Command's one JSON argument (aiops/cli.ts) with fakes", () => {
  const ARGS = {
    namespace: "todo",
    analyzer: "kagent",
    timeoutSeconds: 60,
    failOn: "never",
    revisions: { api: 3, web: 2 },
    redactSecretNames: ["todo-database"],
    record: true,
  };

  it("runs the same analysis as the flags: report JSON on stdout, revisions from the document, history recorded", async () => {
    const { code, stdout, stderr } = await cli(["--args-json", JSON.stringify(ARGS)], {
      FAKE_SCENARIO: "crashloop",
      FAKE_KAGENT: "success",
    });
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      analyzer: "kagent",
      status: "unhealthy",
      revisions: { api: 3, web: 2 },
    });
    expect(stdout + stderr).not.toContain("CANARY-s3cr3t-7f1e");
    expect(world?.calls("kubectl").some((c) => c.args.includes("apply"))).toBe(true);
    expect(world?.calls("kubectl")[0]?.args.slice(0, 2)).toEqual(["--namespace", "todo"]);
  });

  it("names the bad field: a revision that is not a number, an unknown analyzer, an unknown key", async () => {
    const badRevision = await cli(["--args-json", JSON.stringify({ ...ARGS, revisions: { api: "3" } })]);
    expect(badRevision.code).toBe(2);
    expect(badRevision.stderr).toContain("invalid --args-json field revisions.api: ");
    expect(badRevision.stderr).toContain("expected number");
    const badAnalyzer = await cli(["--args-json", JSON.stringify({ ...ARGS, analyzer: "gpt" })]);
    expect(badAnalyzer.stderr).toContain("invalid --args-json field analyzer: ");
    const unknown = await cli(["--args-json", JSON.stringify({ ...ARGS, llmApiKey: "sk" })]);
    expect(unknown.stderr).toContain("invalid --args-json field llmApiKey: ");
    const noNamespace = await cli(["--args-json", JSON.stringify({ record: true })]);
    expect(noNamespace.stderr).toContain("invalid --args-json field namespace: ");
    expect(world?.calls()).toEqual([]);
  });

  it("refuses text that is not JSON, and flags beside the document, with the usage and exit code 2", async () => {
    const notJson = await cli(["--args-json", "{namespace: todo}"]);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toContain("--args-json is not JSON");
    const mixed = await cli(["--namespace", "x", "--args-json", JSON.stringify(ARGS)]);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain("--args-json holds every option; do not combine it with --namespace");
    expect(mixed.stderr).toContain("usage: npm run diagnose");
  });
});

describe("environment scrubbing in aiops/cli.ts", () => {
  it("the one list holds Pulumi's secrets, the previous report and every LLM key", () => {
    for (const name of [
      "DATABASE_URL",
      "PGPASSWORD",
      "PULUMI_CONFIG_PASSPHRASE",
      "PULUMI_CONFIG_PASSPHRASE_FILE",
      "PULUMI_ACCESS_TOKEN",
      "PULUMI_COMMAND_STDOUT",
      "PULUMI_COMMAND_STDERR",
      "OPENAI_API_KEY",
      "GEMINI_API_KEY",
    ])
      expect(SCRUBBED_ENV).toContain(name);
    expect(scrubbedEnvFor({ analyzer: "kagent", llmProvider: "openai" })).toContain("OPENAI_API_KEY");
    expect(scrubbedEnvFor({ analyzer: "kubectl-ai", llmProvider: "openai" })).not.toContain("OPENAI_API_KEY");
    expect(scrubbedEnvFor({ analyzer: "kubectl-ai", llmProvider: "openai" })).toContain("GEMINI_API_KEY");
  });

  it("fake kubectl: main deletes the scrubbed names from the environment it is given, before any child runs", async () => {
    world = fakeWorld(["kubectl"], { FAKE_SCENARIO: "healthy" });
    const env = {
      ...world.env,
      PULUMI_CONFIG_PASSPHRASE: "pp",
      PULUMI_COMMAND_STDOUT: "{}",
      DATABASE_URL: "x",
      KEEP_ME: "1",
    };
    const io = { stdout: (_: string) => {}, stderr: (_: string) => {}, env };
    expect(await main(["--analyzer", "none"], io)).toBe(0);
    expect(env).not.toHaveProperty("PULUMI_CONFIG_PASSPHRASE");
    expect(env).not.toHaveProperty("PULUMI_COMMAND_STDOUT");
    expect(env).not.toHaveProperty("DATABASE_URL");
    expect(env.KEEP_ME).toBe("1");
    const calls = world.calls("kubectl");
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) expect(call.secretEnv).toEqual([]);
  });

  it("scrubs even when the options are refused", async () => {
    const env: NodeJS.ProcessEnv = { PULUMI_CONFIG_PASSPHRASE: "pp" };
    expect(await main(["--analyzer", "gpt"], { stdout: () => {}, stderr: () => {}, env })).toBe(2);
    expect(env).toEqual({});
  });

  it("--help prints the usage, --args-json included, and exits 0", async () => {
    const out: string[] = [];
    expect(await main(["--help"], { stdout: (t) => out.push(t), stderr: () => {}, env: {} })).toBe(0);
    expect(out.join("\n")).toContain("npm run diagnose -- --args-json");
  });
});
