import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runAnalyzer } from "../../aiops/analyzers";
import { parseKagentOutput } from "../../aiops/analyzers/kagent";
import { type FakeName, type FakeWorld, fakeWorld } from "./fakes";

let world: FakeWorld | undefined;
afterEach(() => world?.cleanup());

function context(
  fakes: FakeName[],
  vars: Record<string, string>,
  extra: { timeoutMs?: number; kagentUrl?: string } = {},
) {
  world = fakeWorld(fakes, vars);
  return {
    namespace: "todo",
    env: world.env,
    timeoutMs: extra.timeoutMs ?? 10_000,
    agent: "k8s-agent",
    kagentUrl: extra.kagentUrl,
    task: "Explain the findings.",
    llmProvider: "openai" as const,
  };
}

describe("kagent analyzer with a fake kagent and fake kubectl port-forward", () => {
  it("returns the artifact text of a completed task, through our own port-forward on a free port", async () => {
    const outcome = await runAnalyzer("kagent", context(["kubectl", "kagent"], { FAKE_KAGENT: "success" }));
    expect(outcome).toMatchObject({ ok: true, analyzer: "kagent" });
    expect(outcome.explanation).toContain("Postgres rejects its password");
    const forward = world?.calls("kubectl").find((c) => c.args.includes("port-forward"));
    const port = forward?.args.find((a) => a.endsWith(":8083"))?.split(":")[0];
    expect(Number(port)).toBeGreaterThan(0);
    expect(port).not.toBe("8083");
    const invoke = world?.calls("kagent").find((call) => call.args[0] === "invoke");
    expect(invoke?.args).toEqual(expect.arrayContaining(["invoke", "-a", "k8s-agent", "-n", "kagent", "-f", "-"]));
    expect(invoke?.args[invoke.args.indexOf("--kagent-url") + 1]).toBe(`http://127.0.0.1:${port}`);
    expect(invoke?.stdin).toBe("Explain the findings.");
  });

  it("uses aiops.kagentUrl as given and starts no port-forward", async () => {
    const ctx = context(["kubectl", "kagent"], { FAKE_KAGENT: "success" }, { kagentUrl: "http://kagent.example:8083" });
    expect((await runAnalyzer("kagent", ctx)).ok).toBe(true);
    expect(world?.calls("kubectl")).toEqual([]);
    for (const call of world?.calls("kagent") ?? []) expect(call.args).toContain("http://kagent.example:8083");
  });

  it("detects an error printed on stderr with exit code 0", async () => {
    const outcome = await runAnalyzer("kagent", context(["kubectl", "kagent"], { FAKE_KAGENT: "error-exit0" }));
    expect(outcome.ok).toBe(false);
    expect(outcome.problem).toContain("connection refused");
  });

  it.each([
    ["working", 'state "working"'],
    ["input-required", 'state "input-required": Which namespace'],
    ["failed-task", 'state "failed": litellm.AuthenticationError'],
  ])("reports a non-completed task (%s)", async (fixture, expected) => {
    const outcome = await runAnalyzer("kagent", context(["kubectl", "kagent"], { FAKE_KAGENT: fixture }));
    expect(outcome.ok).toBe(false);
    expect(outcome.problem).toContain(expected);
  });

  it("reports malformed JSON", async () => {
    const outcome = await runAnalyzer("kagent", context(["kubectl", "kagent"], { FAKE_KAGENT: "malformed" }));
    expect(outcome.ok).toBe(false);
    expect(outcome.problem).toContain("malformed JSON");
  });

  it("falls back to the last agent message in history", async () => {
    const outcome = await runAnalyzer("kagent", context(["kubectl", "kagent"], { FAKE_KAGENT: "history-only" }));
    expect(outcome.explanation).toBe("All pods are running; nothing to fix.");
  });

  it("stops a hung kagent within timeout + 5 s and kills the port-forward", async () => {
    const started = Date.now();
    const outcome = await runAnalyzer(
      "kagent",
      context(["kubectl", "kagent"], { FAKE_KAGENT: "hang" }, { timeoutMs: 1_500 }),
    );
    const elapsed = Date.now() - started;
    expect(outcome.ok).toBe(false);
    expect(outcome.problem).toMatch(/did not finish within \d+ s/);
    expect(elapsed).toBeLessThan(1_500 + 5_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (const name of ["kagent", "port-forward"]) {
      const pid = Number(readFileSync(join(world?.stateDir ?? "", `${name}.pid`), "utf8"));
      expect(() => process.kill(pid, 0), `${name} (pid ${pid}) still running`).toThrow();
    }
  });

  it("reports a port-forward failure as an unreachable controller", async () => {
    const outcome = await runAnalyzer("kagent", context(["kubectl", "kagent"], { FAKE_PORT_FORWARD: "fail" }));
    expect(outcome.ok).toBe(false);
    expect(outcome.problem).toContain("kagent controller unreachable");
    expect(outcome.problem).toContain('services "kagent-controller" not found');
    expect(world?.calls("kagent")).toEqual([]);
  });

  it("reports a missing kagent binary without starting anything", async () => {
    const outcome = await runAnalyzer("kagent", context(["kubectl"], {}));
    expect(outcome).toEqual({ analyzer: "kagent", ok: false, problem: "kagent is not installed (not found on PATH)" });
    expect(world?.calls()).toEqual([]);
  });
});

describe("kagent output parsing", () => {
  it("treats empty stdout with empty stderr as no result", () => {
    expect(parseKagentOutput("", "").problem).toBe("kagent printed no result");
  });
});

describe("k8sgpt and kubectl-ai analyzers with fakes", () => {
  it("k8sgpt (fake): no AI backend configured exits 1 and names `k8sgpt auth add`", async () => {
    const outcome = await runAnalyzer("k8sgpt", context(["k8sgpt"], { FAKE_K8SGPT: "no-backend" }));
    expect(outcome.ok).toBe(false);
    expect(outcome.problem).toContain("k8sgpt auth add --backend openai");
  });

  it("k8sgpt (fake): joins the explained results and passes the namespace", async () => {
    const outcome = await runAnalyzer("k8sgpt", context(["k8sgpt"], {}));
    expect(outcome.ok).toBe(true);
    expect(outcome.explanation).toContain("Pod todo/api-6d5f8c7b9-x2k4p: Error: the api container exits on start.");
    expect(world?.calls("k8sgpt")[0]?.args).toEqual(["analyze", "--explain", "-o", "json", "-n", "todo"]);
  });

  it("k8sgpt (fake): malformed output is reported", async () => {
    const outcome = await runAnalyzer("k8sgpt", context(["k8sgpt"], { FAKE_K8SGPT: "malformed" }));
    expect(outcome.problem).toContain("k8sgpt printed malformed JSON");
  });

  it("k8sgpt (fake): missing binary", async () => {
    expect((await runAnalyzer("k8sgpt", context([], {}))).problem).toBe("k8sgpt is not installed (not found on PATH)");
  });

  it("kubectl-ai (fake): answers from its transcript, the task on stdin and pinned to a kubeconfig", async () => {
    const outcome = await runAnalyzer("kubectl-ai", context(["kubectl", "kubectl-ai"], { OPENAI_API_KEY: "sk-test" }));
    expect(outcome.ok).toBe(true);
    expect(outcome.explanation).toContain("database rejects its password");
    const call = world?.calls("kubectl-ai")[0];
    expect(call?.args).toEqual(expect.arrayContaining(["--quiet", "--kubeconfig", "--llm-provider", "openai"]));
    expect(call?.args).not.toContain("Explain the findings.");
    expect(call?.stdin).toBe("Explain the findings.");
  });

  it("kubectl-ai (fake PATH): missing binary", async () => {
    expect((await runAnalyzer("kubectl-ai", context([], {}))).ok).toBe(false);
  });

  it("none: says no analyzer is configured", async () => {
    expect((await runAnalyzer("none", context([], {}))).problem).toContain("aiops.analyzer is none");
  });
});
