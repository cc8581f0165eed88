// The kubectl-ai and k8sgpt contracts (issue 14, items 8 and 9), each pinned to what the tags
// lib/laptop-versions.ts names print: GoogleCloudPlatform/kubectl-ai@v0.0.28 (cmd/main.go,
// pkg/ui/terminal.go, pkg/agent/conversation.go, gollm/*.go) and k8sgpt-ai/k8sgpt@v0.4.36
// (cmd/analyze/analyze.go, pkg/analysis/*.go). Neither tool can run here: the recorded outputs are in
// test/fakes/fixtures/{kubectl-ai,k8sgpt} (SOURCE.md there), replayed by the fakes in test/fakes/bin.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";

import { runAnalyzer } from "../../aiops/analyzers";
import { interpretK8sgptRun, parseK8sgptOutput } from "../../aiops/analyzers/k8sgpt";
import {
  EMPTY_RESPONSE_NOTICE,
  interpretKubectlAiRun,
  kubectlAiArgs,
  MAX_ITERATIONS_NOTICE,
  readKubectlAiTranscript,
  stderrError,
  terminalSegments,
} from "../../aiops/analyzers/kubectl-ai";
import { KUBECTL_AI_PROVIDERS } from "../../aiops/analyzers/kubectl-ai-providers";
import type { AnalyzerContext } from "../../aiops/analyzers/types";
import type { RunResult } from "../../aiops/exec";
import { pinToContext } from "../../aiops/pinned-kubeconfig";
import type { LlmProvider } from "../../lib/llm-providers";
import { FAKES_BIN, type FakeCall, type FakeName, type FakeWorld, fakeWorld } from "./fakes";

const FIXTURES = join(__dirname, "..", "fakes", "fixtures");
const fixture = (tool: string, name: string) => readFileSync(join(FIXTURES, tool, name), "utf8");
const OPENAI = KUBECTL_AI_PROVIDERS.openai as NonNullable<(typeof KUBECTL_AI_PROVIDERS)["openai"]>;
const TASK = "Explain the findings.\nPod api-6d5f8c7b9-x2k4p: CrashLoopBackOff";

/** What the fake kubectl-ai records besides argv and stdin (test/fakes/bin/kubectl-ai). */
type KubectlAiCall = FakeCall & { KUBECONFIG?: string; kubeconfig?: { path: string; text: string; mode: string } };

let world: FakeWorld | undefined;
afterEach(() => world?.cleanup());

function context(
  fakes: FakeName[],
  vars: Record<string, string>,
  extra: { llmProvider?: LlmProvider; context?: string; timeoutMs?: number } = {},
): AnalyzerContext {
  world = fakeWorld(fakes, vars);
  return {
    namespace: "todo",
    context: "context" in extra ? extra.context : "minikube",
    env: world.env,
    timeoutMs: extra.timeoutMs ?? 10_000,
    agent: "k8s-agent",
    task: TASK,
    llmProvider: extra.llmProvider ?? "openai",
  };
}

function kubectlAiCalls(): KubectlAiCall[] {
  return (world?.calls("kubectl-ai") ?? []) as KubectlAiCall[];
}

/** Runs a fake directly, the way runProgram does (stdin a pipe), to pin its streams and exit code. */
function runFake(name: string, args: string[], env: Record<string, string>, input = "") {
  const fake = fakeWorld([name as FakeName], env);
  try {
    const result = spawnSync(join(FAKES_BIN, name), args, { env: fake.env, input, encoding: "utf8" });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  } finally {
    fake.cleanup();
  }
}

function run(partial: Partial<RunResult>): RunResult {
  return { exitCode: 0, stdout: "", stderr: "", timedOut: false, missing: false, ...partial };
}

describe("kubectl-ai's transcript (pkg/ui/terminal.go handleMessage)", () => {
  it("splits stdout at the colour codes: green tool calls, uncoloured model text", () => {
    const segments = terminalSegments(fixture("kubectl-ai", "answer.stdout"));
    expect(segments.map((s) => s.colour)).toEqual(["plain", "green", "green", "plain"]);
    // ToolCallRequest: "\n  Running: %s\n" between ESC[32m and ESC[0m.
    expect(segments[1]?.text).toBe("\n  Running: kubectl get pods -n todo-dev\n");
  });

  it("reads the `Running:` lines as tool calls and the model's text after the last one as the answer", () => {
    const transcript = readKubectlAiTranscript(fixture("kubectl-ai", "answer.stdout"));
    expect(transcript.toolCalls).toEqual([
      "kubectl get pods -n todo-dev",
      "kubectl logs api-6d5f8c7b9-x2k4p -n todo-dev --previous",
    ]);
    expect(transcript.errors).toEqual([]);
    expect(transcript.notices).toEqual([]);
    // glamour's no-TTY style: the 2-space margin and the padding to the wrap width are gone, the
    // code block keeps its own 2-space indent, and no escape code is left.
    expect(transcript.answer.split("\n")[0]).toBe(
      "The **api** pod is crash-looping because the database rejects its password:",
    );
    expect(transcript.answer).toContain("\n  kubectl rollout restart deployment/api -n todo-dev");
    expect(transcript.answer).not.toContain("I'll look at the pods");
    expect(transcript.answer).not.toContain("\x1b");
  });

  it("reads red messages as errors and green agent text as notices", () => {
    expect(readKubectlAiTranscript(fixture("kubectl-ai", "llm-error.stdout")).errors[0]).toMatch(
      /^Error: OpenAI streaming error: POST "https:\/\/api\.openai\.com\/v1\/chat\/completions": 401 Unauthorized /,
    );
    const max = readKubectlAiTranscript(fixture("kubectl-ai", "max-iterations.stdout"));
    expect(max.toolCalls).toHaveLength(20);
    expect(max.notices).toEqual([MAX_ITERATIONS_NOTICE]);
    expect(readKubectlAiTranscript(fixture("kubectl-ai", "empty-response.stdout")).notices).toEqual([
      EMPTY_RESPONSE_NOTICE,
    ]);
  });

  it("a red message the agent goes on after (a streaming tool call's timeout) does not fail a run that answered", () => {
    const stdout = `\x1b[32m\n  Running: kubectl logs -f api -n todo\n\x1b[0m\x1b[31m\nTimeout reached after 7 seconds\n\x1b[0m\n  The api pod cannot reach the database.\n\n`;
    expect(interpretKubectlAiRun(run({ stdout }), 10_000, OPENAI)).toEqual({
      analyzer: "kubectl-ai",
      ok: true,
      explanation: "The api pod cannot reach the database.",
    });
    // …but the same message last, with no answer after it, is a failure.
    const ended = `\x1b[32m\n  Running: kubectl logs -f api -n todo\n\x1b[0m\x1b[31m\nTimeout reached after 7 seconds\n\x1b[0m`;
    expect(interpretKubectlAiRun(run({ stdout: ended }), 10_000, OPENAI).ok).toBe(false);
  });

  it("takes cobra's first `Error: ` line from stderr, not main's repeat or the usage", () => {
    expect(stderrError(fixture("kubectl-ai", "no-openai-key.stderr"))).toBe(
      "creating llm client: OpenAI API key not found. Set via OPENAI_API_KEY env var",
    );
  });
});

describe("kubectl-ai runs that exit 0 and still failed (pkg/agent/conversation.go), with a fake kubectl-ai", () => {
  it.each([
    ["max-iterations", MAX_ITERATIONS_NOTICE, "after 20 kubectl-ai tool call(s)"],
    ["empty-response", EMPTY_RESPONSE_NOTICE, "after 1 kubectl-ai tool call(s)"],
  ])("fake %s: exit 0 on the real binary, a failure for us", async (name, notice, calls) => {
    const replayed = runFake(
      "kubectl-ai",
      ["--quiet", "--llm-provider", "openai"],
      { FAKE_KUBECTL_AI: name, OPENAI_API_KEY: "k" },
      TASK,
    );
    expect(replayed).toMatchObject({ status: 0, stderr: "" });
    expect(replayed.stdout).toContain(notice);
    const outcome = await runAnalyzer(
      "kubectl-ai",
      context(["kubectl", "kubectl-ai"], { FAKE_KUBECTL_AI: name, OPENAI_API_KEY: "k" }),
    );
    expect(outcome.ok).toBe(false);
    expect(outcome.problem).toContain(`"${notice}"`);
    expect(outcome.problem).toContain(calls);
  });
});

describe("kubectl-ai's real error lines, with a fake kubectl-ai", () => {
  it("fake llm-error: the red streaming error on stdout, exit 1", async () => {
    const replayed = runFake(
      "kubectl-ai",
      ["--quiet", "--llm-provider", "openai"],
      { FAKE_KUBECTL_AI: "llm-error", OPENAI_API_KEY: "k" },
      TASK,
    );
    expect(replayed.status).toBe(1);
    expect(replayed.stderr.split("\n")[0]).toMatch(/^Error: running UI: OpenAI streaming error: /);
    const outcome = await runAnalyzer(
      "kubectl-ai",
      context(["kubectl", "kubectl-ai"], { FAKE_KUBECTL_AI: "llm-error", OPENAI_API_KEY: "k" }),
    );
    expect(outcome.ok).toBe(false);
    expect(outcome.problem).toMatch(
      /^kubectl-ai reported an error: Error: OpenAI streaming error: POST .*401 Unauthorized/,
    );
  });

  it("fake permission-request: the RunOnce refusal, with what to do about it", async () => {
    const outcome = await runAnalyzer(
      "kubectl-ai",
      context(["kubectl", "kubectl-ai"], { FAKE_KUBECTL_AI: "permission-request", OPENAI_API_KEY: "k" }),
    );
    expect(outcome.ok).toBe(false);
    expect(outcome.problem).toContain("RunOnce mode cannot handle permission requests");
    expect(outcome.problem).toContain("* kubectl rollout restart deployment/api -n todo-dev");
    expect(outcome.problem).toContain("--skip-permissions=false");
  });

  it("fake, no OPENAI_API_KEY: gollm's message, exit 1, and which variable to export", async () => {
    const outcome = await runAnalyzer("kubectl-ai", context(["kubectl", "kubectl-ai"], {}));
    expect(outcome).toEqual({
      analyzer: "kubectl-ai",
      ok: false,
      problem:
        "kubectl-ai exited with code 1: creating llm client: OpenAI API key not found. Set via OPENAI_API_KEY env var (export OPENAI_API_KEY where pulumi up or npm run diagnose runs: kubectl-ai gets that variable and no other LLM key)",
    });
  });

  it("fake, gemini without GEMINI_API_KEY (GOOGLE_API_KEY is kagent's, not read by gollm)", async () => {
    const ctx = context(["kubectl", "kubectl-ai"], { GOOGLE_API_KEY: "g" }, { llmProvider: "gemini" });
    const outcome = await runAnalyzer("kubectl-ai", ctx);
    expect(outcome.problem).toContain(
      "creating llm client: GEMINI_API_KEY environment variable not set (export GEMINI_API_KEY",
    );
  });

  it("fake: a hung run after an LLM error is stopped, and says so", async () => {
    const ctx = context(
      ["kubectl", "kubectl-ai"],
      { FAKE_KUBECTL_AI: "llm-error", FAKE_KUBECTL_AI_HANG: "1", OPENAI_API_KEY: "k" },
      { timeoutMs: 1_500 },
    );
    const outcome = await runAnalyzer("kubectl-ai", ctx);
    expect(outcome.problem).toMatch(
      /^kubectl-ai reported an error and then did not exit within \d+ s: Error: OpenAI streaming error/,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    const pid = Number(readFileSync(join(world?.stateDir ?? "", "kubectl-ai.pid"), "utf8"));
    expect(() => process.kill(pid, 0), `kubectl-ai (pid ${pid}) still running`).toThrow();
    const path = kubectlAiCalls()[0]?.kubeconfig?.path ?? "";
    expect(existsSync(dirname(path))).toBe(false);
  });
});

describe("kubectl-ai pinned to the program's context (it has no --context flag), with fake kubectl and kubectl-ai", () => {
  it("the fake, like cmd/main.go, refuses --context", () => {
    const replayed = runFake("kubectl-ai", ["--quiet", "--context", "minikube"], { OPENAI_API_KEY: "k" }, TASK);
    expect(replayed.status).toBe(1);
    expect(replayed.stderr.split("\n")[0]).toBe("Error: unknown flag: --context");
    expect(replayed.stdout).toBe("");
  });

  it("hands it a 0600 kubeconfig of exactly that context, as --kubeconfig and KUBECONFIG, and removes it after", async () => {
    // The fake kubeconfig's current context is "prod": without pinning, kubectl-ai would analyse it.
    const outcome = await runAnalyzer("kubectl-ai", context(["kubectl", "kubectl-ai"], { OPENAI_API_KEY: "k" }));
    expect(outcome.ok).toBe(true);
    const view = world?.calls("kubectl")[0];
    expect(view?.args).toEqual([
      "config",
      "view",
      "--minify",
      "--flatten",
      "--context",
      "minikube",
      "--output",
      "json",
    ]);
    const call = kubectlAiCalls()[0];
    const path = call?.args[(call?.args.indexOf("--kubeconfig") ?? -2) + 1];
    expect(call?.kubeconfig?.path).toBe(path);
    expect(call?.KUBECONFIG).toBe(path);
    expect(call?.kubeconfig?.mode).toBe("600");
    const doc = JSON.parse(call?.kubeconfig?.text ?? "{}");
    expect(doc.contexts.map((c: { name: string }) => c.name)).toEqual(["minikube"]);
    expect(doc["current-context"]).toBe("minikube");
    expect(doc.clusters).toHaveLength(1);
    expect(doc.users).toHaveLength(1);
    // The trace (the whole conversation) went to the same private directory, and all of it is gone.
    expect(call?.args[(call?.args.indexOf("--trace-path") ?? -2) + 1]).toBe(join(dirname(path ?? ""), "trace.txt"));
    expect(existsSync(path ?? "")).toBe(false);
    expect(existsSync(dirname(path ?? ""))).toBe(false);
  });

  it("a context kubectl cannot find stops before kubectl-ai starts, with kubectl's own error", async () => {
    const outcome = await runAnalyzer(
      "kubectl-ai",
      context(["kubectl", "kubectl-ai"], { OPENAI_API_KEY: "k" }, { context: "nope" }),
    );
    expect(outcome.ok).toBe(false);
    expect(outcome.problem).toContain("kubectl-ai has no --context flag and could not be pinned to nope");
    expect(outcome.problem).toContain("error: cannot locate context nope");
    expect(kubectlAiCalls()).toEqual([]);
  });

  it("pinToContext refuses anything but exactly one context (kubectl config view --minify's shape)", () => {
    const two = JSON.stringify({ contexts: [{ name: "a" }, { name: "b" }], "current-context": "a" });
    expect(pinToContext(two, "a")).toEqual({
      problem: "kubectl config view --minify returned the contexts [a, b], not exactly a",
    });
    expect(pinToContext(JSON.stringify({ contexts: [{ name: "b" }] }), "a")).toHaveProperty("problem");
    expect(pinToContext("not json", "a")).toEqual({
      problem: "kubectl config view printed something that is not JSON",
    });
  });
});

describe("what reaches kubectl-ai, with a fake kubectl-ai", () => {
  const SECRETS = {
    OPENAI_API_KEY: "sk-openai",
    GEMINI_API_KEY: "gem",
    GOOGLE_API_KEY: "goog",
    ANTHROPIC_API_KEY: "ant",
    AZURE_OPENAI_API_KEY: "az",
    DATABASE_URL: "postgres://u:p@h/db",
    PGPASSWORD: "p",
    PULUMI_CONFIG_PASSPHRASE: "pp",
  };

  it.each([
    ["openai", "OPENAI_API_KEY"],
    ["gemini", "GEMINI_API_KEY"],
    ["azureopenai", "AZURE_OPENAI_API_KEY"],
  ] as const)("fake, llmProvider %s: only %s, of all the secrets", async (llmProvider, key) => {
    await runAnalyzer("kubectl-ai", context(["kubectl", "kubectl-ai"], SECRETS, { llmProvider }));
    const call = kubectlAiCalls()[0];
    expect(call?.secretEnv).toEqual([key]);
    expect(call?.args[(call?.args.indexOf("--llm-provider") ?? -2) + 1]).toBe(KUBECTL_AI_PROVIDERS[llmProvider]?.id);
  });

  it("fake, llmProvider ollama: no key at all", async () => {
    await runAnalyzer("kubectl-ai", context(["kubectl", "kubectl-ai"], SECRETS, { llmProvider: "ollama" }));
    expect(kubectlAiCalls()[0]?.secretEnv).toEqual([]);
  });

  it("fake, llmProvider anthropic: refused before anything starts (gollm 0.0.28 has no anthropic provider)", async () => {
    const outcome = await runAnalyzer(
      "kubectl-ai",
      context(["kubectl", "kubectl-ai"], SECRETS, { llmProvider: "anthropic" }),
    );
    expect(outcome.problem).toContain("kubectl-ai 0.0.28 cannot use aiops.llmProvider anthropic");
    expect(world?.calls()).toEqual([]);
  });

  it("fake: the task goes through stdin, never argv (resolveQueryInput reads all of stdin)", async () => {
    await runAnalyzer("kubectl-ai", context(["kubectl", "kubectl-ai"], { OPENAI_API_KEY: "k" }));
    const call = kubectlAiCalls()[0];
    expect(call?.stdin).toBe(TASK);
    expect(call?.args.join(" ")).not.toContain("Explain the findings");
    // Every argument is a flag or a flag's value: no positional query.
    expect(call?.args).toEqual(
      kubectlAiArgs({
        kubeconfig: call?.kubeconfig?.path ?? "",
        tracePath: join(dirname(call?.kubeconfig?.path ?? ""), "trace.txt"),
        provider: OPENAI,
      }),
    );
    expect(call?.args).toContain("--model=");
  });

  it("the fake, like cmd/main.go, fails on a pipe with no query", () => {
    const replayed = runFake("kubectl-ai", ["--quiet", "--llm-provider", "openai"], { OPENAI_API_KEY: "k" }, "  \n");
    expect(replayed.status).toBe(1);
    expect(replayed.stderr.split("\n")[0]).toBe("Error: failed to resolve query input no query provided from stdin");
  });
});

describe("k8sgpt analyze --explain -o json (cmd/analyze/analyze.go, pkg/analysis), with a fake k8sgpt", () => {
  it("fake no-backend: the real binary exits 1 with the message on stdout, nothing on stderr", () => {
    const replayed = runFake("k8sgpt", ["analyze", "--explain", "-o", "json", "-n", "todo"], {
      FAKE_K8SGPT: "no-backend",
    });
    expect(replayed).toEqual({
      status: 1,
      stdout: "Error: AI provider not specified in configuration. Please run k8sgpt auth\n",
      stderr: "",
    });
  });

  it.each([
    ["openai", "openai"],
    ["gemini", "google"],
    ["azureopenai", "azureopenai"],
  ] as const)(
    "fake no-backend, llmProvider %s: a failure naming `k8sgpt auth add --backend %s`",
    async (llmProvider, backend) => {
      const outcome = await runAnalyzer("k8sgpt", context(["k8sgpt"], { FAKE_K8SGPT: "no-backend" }, { llmProvider }));
      expect(outcome.ok).toBe(false);
      expect(outcome.problem).toContain(
        'k8sgpt has no AI backend configured ("AI provider not specified in configuration. Please run k8sgpt auth")',
      );
      expect(outcome.problem).toContain(`run \`k8sgpt auth add --backend ${backend} --model <model>\``);
    },
  );

  it("fake backend-not-configured: the same advice", async () => {
    const outcome = await runAnalyzer("k8sgpt", context(["k8sgpt"], { FAKE_K8SGPT: "backend-not-configured" }));
    expect(outcome.problem).toContain("AI provider openai not specified in configuration");
    expect(outcome.problem).toContain("k8sgpt auth add --backend openai");
  });

  it("fake ai-error: the backend's error from stdout, exit 1", async () => {
    const outcome = await runAnalyzer("k8sgpt", context(["k8sgpt"], { FAKE_K8SGPT: "ai-error" }));
    expect(outcome.problem).toMatch(
      /^k8sgpt analyze exited with code 1: failed while calling AI provider openai: error, status code: 401, status: 401 Unauthorized/,
    );
  });

  it("fake problems and no-problems: the JSON shape of pkg/analysis/output.go", async () => {
    const problems = JSON.parse(fixture("k8sgpt", "problems.stdout"));
    expect(Object.keys(problems)).toEqual(["provider", "errors", "status", "problems", "results"]);
    expect(Object.keys(problems.results[0])).toEqual(["kind", "name", "error", "details", "parentObject"]);
    expect(Object.keys(problems.results[0].error[0])).toEqual(["Text", "KubernetesDoc", "Sensitive"]);
    const outcome = await runAnalyzer("k8sgpt", context(["k8sgpt"], { FAKE_K8SGPT: "no-problems" }));
    expect(outcome).toEqual({ analyzer: "k8sgpt", ok: true, explanation: "k8sgpt found no problems." });
    // Our command line passes the fake's flag check (the real `analyze` flags and root's --kubecontext).
    expect(world?.calls("k8sgpt")[0]?.args).toEqual([
      "analyze",
      "--explain",
      "-o",
      "json",
      "-n",
      "todo",
      "--kubecontext",
      "minikube",
    ]);
  });

  it("refuses JSON that is not the analyze document, and a non-zero exit without an Error line", () => {
    expect(parseK8sgptOutput('{"items":[]}').problem).toContain("without the status and results");
    expect(interpretK8sgptRun(run({ exitCode: 2, stderr: "panic: boom\n" }), 1_000, "openai").problem).toBe(
      "k8sgpt analyze exited with code 2: panic: boom",
    );
  });
});
