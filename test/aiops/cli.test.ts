import { afterEach, describe, expect, it } from "vitest";
import { main } from "../../aiops/cli";
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

  it("--recover-release rolls a stuck release back through a fake helm", async () => {
    const { code, stdout } = await cli(["--recover-release", "api"], { FAKE_HELM_STATUS: "pending-install" });
    expect(code).toBe(0);
    expect(stdout).toContain("rolled back to revision 3");
  });
});
