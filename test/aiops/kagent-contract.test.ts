// The kagent contracts, each pinned to what kagent-dev/kagent@v0.9.12 (the release lib/laptop-versions.ts
// pins) says: the chart's Agent names and provider values, the install recipe docs/aiops.md shows, and
// what `kagent invoke` and `kagent version` print (test/fakes/fixtures/kagent, SOURCE.md there).
// kagent cannot run here, so the expected values below are copied from the tag's files, named per test.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";

import { runAnalyzer } from "../../aiops/analyzers";
import { kagentVersionWarning, parseKagentOutput, unknownShape } from "../../aiops/analyzers/kagent";
import { buildReport, formatDiagnosis } from "../../aiops/report";
import {
  agentReadyCommand,
  BUILT_IN_AGENTS,
  KAGENT_CHART_VERSION,
  KAGENT_CHARTS,
  kagentValues,
} from "../../components/kagent-values";
import { aiopsConfigSchema, kagentInstallProblems } from "../../config/aiops";
import { LAPTOP_VERSIONS } from "../../lib/laptop-versions";
import { PROVIDERS } from "../../lib/llm-providers";
import { FAKES_BIN, type FakeWorld, fakeWorld } from "./fakes";

const REPO = join(__dirname, "..", "..");
const FIXTURES = join(REPO, "test", "fakes", "fixtures", "kagent");
const fixture = (name: string) => readFileSync(join(FIXTURES, name), "utf8");
const docs = readFileSync(join(REPO, "docs", "aiops.md"), "utf8");

let world: FakeWorld | undefined;
afterEach(() => world?.cleanup());

function analyzerContext(vars: Record<string, string>, agent = "k8s-agent") {
  world = fakeWorld(["kubectl", "kagent"], vars);
  return {
    namespace: "todo",
    env: world.env,
    timeoutMs: 10_000,
    agent,
    task: "Explain the findings.",
    llmProvider: "openai" as const,
  };
}

describe("the pinned release", () => {
  it("installs the chart at the one version lib/laptop-versions.ts pins, a published stable tag", () => {
    // v0.9.12 is the newest tag without a pre-release suffix; its .github/workflows/tag.yaml runs
    // `make helm-publish`, which pushes kagent-crds-0.9.12.tgz and kagent-0.9.12.tgz to
    // oci://ghcr.io/kagent-dev/kagent/helm (Makefile HELM_REPO + /kagent/helm).
    expect(LAPTOP_VERSIONS.kagent.newest).toBe("0.9.12");
    expect(KAGENT_CHART_VERSION).toBe(LAPTOP_VERSIONS.kagent.newest);
    expect(KAGENT_CHARTS).toEqual({
      crds: "oci://ghcr.io/kagent-dev/kagent/helm/kagent-crds",
      kagent: "oci://ghcr.io/kagent-dev/kagent/helm/kagent",
    });
  });

  it("docs/aiops.md shows that version everywhere it names one, and no other", () => {
    const versions = [...docs.matchAll(/--version (\S+)/g)].map((match) => match[1]);
    expect(versions).toEqual([KAGENT_CHART_VERSION, KAGENT_CHART_VERSION]);
    expect(docs).toContain(`tested with kagent **${KAGENT_CHART_VERSION}**`);
    expect(docs).toContain(`outside ${LAPTOP_VERSIONS.kagent.minimum}–${LAPTOP_VERSIONS.kagent.newest}`);
    expect(docs).not.toMatch(/0\.10\.1/);
  });
});

describe("the chart's built-in agents (helm/kagent/Chart-template.yaml, helm/agents/*/templates/agent.yaml)", () => {
  // Each subchart's `condition: <toggle>.enabled` and its agent.yaml metadata.name at v0.9.12.
  const CHART_AT_TAG: [string, string][] = [
    ["k8s-agent", "k8s-agent"],
    ["kgateway-agent", "kgateway-agent"],
    ["istio-agent", "istio-agent"],
    ["promql-agent", "promql-agent"],
    ["observability-agent", "observability-agent"],
    ["argo-rollouts-agent", "argo-rollouts-conversion-agent"],
    ["helm-agent", "helm-agent"],
    ["cilium-policy-agent", "cilium-policy-agent"],
    ["cilium-manager-agent", "cilium-manager-agent"],
    ["cilium-debug-agent", "cilium-debug-agent"],
  ];

  it("lists exactly the chart's toggles and the Agent each creates", () => {
    expect(BUILT_IN_AGENTS.map(({ toggle, agent }) => [toggle, agent])).toEqual(CHART_AT_TAG);
  });

  it("docs/aiops.md's agent table says the same", () => {
    for (const [toggle, agent] of CHART_AT_TAG) {
      expect(docs).toMatch(new RegExp(`^\\| \`${toggle}\` +\\| \`${agent}\` +\\|`, "m"));
    }
  });

  it.each(BUILT_IN_AGENTS.map((entry) => [entry.agent, entry]))(
    "%s: enables its own toggle (and what it needs) only, waits for and invokes the Agent's name",
    async (agent, entry) => {
      const values = kagentValues({ llmProvider: "ollama", agent });
      const on = Object.entries(values)
        .filter(([, value]) => (value as { enabled?: boolean }).enabled === true)
        .map(([key]) => key);
      expect(on.sort()).toEqual([entry.toggle, ...entry.needs, "kagent-tools"].sort());
      expect(agentReadyCommand({ agent, timeoutSeconds: 600 })).toContain(` agents.kagent.dev/${agent} `);
      const outcome = await runAnalyzer("kagent", analyzerContext({ FAKE_KAGENT: "success" }, agent));
      expect(outcome.ok).toBe(true);
      const invoke = world?.calls("kagent").find((call) => call.args[0] === "invoke");
      expect(invoke?.args[invoke.args.indexOf("-a") + 1]).toBe(agent);
    },
  );

  it("observability-agent gets the promql-agent and grafana-mcp it calls (its agent.yaml tools)", () => {
    const values = kagentValues({ llmProvider: "ollama", agent: "observability-agent" });
    expect(values["promql-agent"]).toEqual({ enabled: true });
    expect(values["grafana-mcp"]).toEqual({ enabled: true });
    expect(kagentValues({ llmProvider: "ollama", agent: "k8s-agent" })["grafana-mcp"]).toEqual({ enabled: false });
  });

  it("with installKagent, refuses a toggle name and names the Agent it creates; any name goes without", () => {
    const parse = (aiops: Record<string, unknown>) => aiopsConfigSchema.safeParse({ llmProvider: "ollama", ...aiops });
    const toggle = parse({ installKagent: true, agent: "argo-rollouts-agent" });
    expect(toggle.success).toBe(false);
    expect(toggle.error?.issues[0]?.path).toEqual(["agent"]);
    expect(toggle.error?.issues[0]?.message).toContain(
      "toggle creates the Agent argo-rollouts-conversion-agent, and kagent invokes Agents by that name; run `pulumi config set --path aiops.agent argo-rollouts-conversion-agent`",
    );
    const custom = parse({ installKagent: true, agent: "my-agent" });
    expect(custom.error?.issues[0]?.message).toContain("creates no Agent named my-agent");
    expect(custom.error?.issues[0]?.message).toContain("aiops.installKagent false");
    expect(parse({ installKagent: true, agent: "argo-rollouts-conversion-agent" }).success).toBe(true);
    expect(parse({ installKagent: false, agent: "my-agent" }).success).toBe(true);
  });
});

describe("providers (helm/kagent/values.yaml providers, go/api/v1alpha2/modelconfig_types.go)", () => {
  it("each provider's chart key, Secret and Secret key are the chart's defaults", () => {
    // values.yaml at v0.9.12: providers.<key>.apiKeySecretRef / apiKeySecretKey.
    expect(PROVIDERS).toEqual({
      openai: { chartKey: "openAI", secret: { name: "kagent-openai", key: "OPENAI_API_KEY" } },
      anthropic: { chartKey: "anthropic", secret: { name: "kagent-anthropic", key: "ANTHROPIC_API_KEY" } },
      azureopenai: { chartKey: "azureOpenAI", secret: { name: "kagent-azure-openai", key: "AZUREOPENAI_API_KEY" } },
      gemini: { chartKey: "gemini", secret: { name: "kagent-gemini", key: "GOOGLE_API_KEY" } },
      ollama: { chartKey: "ollama" },
    });
  });

  it("azureopenai passes providers.azureOpenAI.config (azureEndpoint, azureDeployment, apiVersion)", () => {
    const azureOpenAI = { azureEndpoint: "https://r.openai.azure.com/", azureDeployment: "gpt-4o-mini" };
    expect(kagentValues({ llmProvider: "azureopenai", agent: "k8s-agent", azureOpenAI }).providers).toEqual({
      default: "azureOpenAI",
      azureOpenAI: {
        apiKeySecretRef: "kagent-azure-openai",
        apiKeySecretKey: "AZUREOPENAI_API_KEY",
        config: azureOpenAI,
      },
    });
    const withVersion = kagentValues({
      llmProvider: "azureopenai",
      agent: "k8s-agent",
      azureOpenAI: { ...azureOpenAI, apiVersion: "2024-10-21" },
    }).providers as { azureOpenAI: { config: Record<string, string> } };
    expect(withVersion.azureOpenAI.config.apiVersion).toBe("2024-10-21");
    expect(() => kagentValues({ llmProvider: "azureopenai", agent: "k8s-agent" })).toThrow("azureEndpoint");
  });

  it("installKagent with azureopenai asks for the endpoint and the deployment, each by its key and fix", () => {
    const problems = kagentInstallProblems({ installKagent: true, llmProvider: "azureopenai", llmApiKey: "k" });
    expect(problems.map((problem) => problem.field)).toEqual(["azureEndpoint", "azureDeployment"]);
    expect(problems[0]?.message).toContain("pulumi config set --path aiops.azureEndpoint https://");
    expect(problems[1]?.message).toContain("pulumi config set --path aiops.azureDeployment");
    const complete = { azureEndpoint: "https://r.openai.azure.com/", azureDeployment: "d" };
    expect(
      kagentInstallProblems({ installKagent: true, llmProvider: "azureopenai", llmApiKey: "k", ...complete }),
    ).toEqual([]);
    expect(kagentInstallProblems({ installKagent: false, llmProvider: "azureopenai" })).toEqual([]);
    expect(aiopsConfigSchema.safeParse({ azureApiVersion: "latest" }).success).toBe(false);
  });
});

describe("docs/aiops.md's by-hand install", () => {
  /** `--set` arguments for a values object, the way Helm reads them back (dotted paths). */
  function setArgs(values: Record<string, unknown>, prefix = ""): string[] {
    return Object.entries(values).flatMap(([key, value]) =>
      value && typeof value === "object"
        ? setArgs(value as Record<string, unknown>, `${prefix}${key}.`)
        : [`${prefix}${key}=${String(value)}`],
    );
  }

  it("sets exactly the values the program passes for openai and k8s-agent", () => {
    const command = /^helm install kagent oci:(?:[^\n]*\\\n)*[^\n]*/m.exec(docs)?.[0] ?? "";
    const documented = [...command.matchAll(/--set (\S+)/g)].map((match) => match[1]);
    expect(documented.sort()).toEqual(setArgs(kagentValues({ llmProvider: "openai", agent: "k8s-agent" })).sort());
  });
});

describe("kagent invoke's output at v0.9.12 (go/core/cli/internal/cli/agent/invoke.go)", () => {
  it.each([
    ["success.out", { ok: true, explanation: expect.stringContaining("Postgres rejects its password") }],
    ["history-only.out", { ok: true, explanation: "All pods are running; nothing to fix." }],
    ["message.out", { ok: true, explanation: "Everything is healthy." }],
    ["working.out", { ok: false, problem: 'kagent task ended in state "working"' }],
    ["input-required.out", { ok: false, problem: expect.stringContaining("Which namespace should I look at?") }],
    ["failed-task.out", { ok: false, problem: expect.stringContaining('state "failed": litellm.AuthenticationError') }],
  ])("%s is read as the CLI's encoding of a Task or Message", (name, expected) => {
    const stdout = fixture(name);
    // One line of trpc-a2a-go's JSON, then invoke.go's newline.
    expect(stdout.endsWith("}\n") && !stdout.slice(0, -1).includes("\n")).toBe(true);
    expect(unknownShape(JSON.parse(stdout))).toBeUndefined();
    expect(parseKagentOutput(stdout, "")).toMatchObject({ analyzer: "kagent", ...expected });
  });

  it.each([
    ["error-exit0.stderr", "Error invoking session: a2aClient.SendMessage:"],
    ["agent-not-found.stderr", "Error getting agent metadata: HTTP 404: Agent not found:"],
    ["unreachable.stderr", "Error starting port-forward: failed to establish connection to kagent-controller."],
  ])("%s: an error on stderr with nothing on stdout (exit 0) is the problem", (name, start) => {
    const stderr = fixture(name);
    expect(stderr.startsWith(start)).toBe(true);
    const outcome = parseKagentOutput("", stderr);
    expect(outcome.ok).toBe(false);
    expect(outcome.problem).toContain(`kagent printed no result: ${start}`);
  });

  it("an Agent that does not exist says aiops.agent must be the Agent's name", () => {
    expect(parseKagentOutput("", fixture("agent-not-found.stderr")).problem).toContain(
      "aiops.agent must be the Agent's metadata.name",
    );
  });

  it("refuses kagent 0.11's a2a-go v2 Task instead of guessing, naming the version it was tested with", () => {
    // a2a-go v2 a2a/core.go: no "kind", TASK_STATE_* states, ROLE_* roles, parts without "kind".
    const v2 = JSON.stringify({
      id: "t-1",
      contextId: "c-1",
      status: { state: "TASK_STATE_COMPLETED", timestamp: "2026-11-25T06:11:02Z" },
      artifacts: [{ artifactId: "a-1", parts: [{ text: "All good." }] }],
      history: [{ messageId: "m-1", role: "ROLE_AGENT", parts: [{ text: "All good." }] }],
    });
    const outcome = parseKagentOutput(`${v2}\n`, "");
    expect(outcome.ok).toBe(false);
    expect(outcome.problem).toBe(
      'kagent printed an A2A document this program does not know (no "kind", status.state "TASK_STATE_COMPLETED"); it is tested with kagent 0.9.12 (lib/laptop-versions.ts), whose CLI prints a Task or Message with "kind": install that kagent CLI',
    );
    expect(unknownShape({ kind: "task", status: { state: "TASK_STATE_WORKING" } })).toBe(
      'task state "TASK_STATE_WORKING"',
    );
    expect(unknownShape({ kind: "status-update" })).toBe('"kind" "status-update"');
    expect(unknownShape([])).toBe("not a JSON object");
  });
});

describe("kagent version at v0.9.12 (go/core/cli/internal/cli/agent/version.go)", () => {
  it("the release's own version gives no warning; a newer CLI and controller each get one", () => {
    expect(kagentVersionWarning(fixture("version.out"))).toBeUndefined();
    const warning = kagentVersionWarning(fixture("version-0.11.0.out"));
    expect(warning).toContain("kagent CLI 0.11.0 is newer than 0.9.12");
    expect(warning).toContain("kagent controller 0.11.0 is newer than 0.9.12");
    expect(kagentVersionWarning('{"backend_version":"unknown","kagent_version":"0.9.11"}\n')).toBeUndefined();
    expect(kagentVersionWarning("Version: 0.9.12\n")).toContain("printed no version JSON");
  });

  it("runs beside the invocation against the same URL; its warning reaches the report and stderr text", async () => {
    const outcome = await runAnalyzer(
      "kagent",
      analyzerContext({ FAKE_KAGENT: "success", FAKE_KAGENT_VERSION: "version-0.11.0" }),
    );
    expect(outcome.ok).toBe(true);
    expect(outcome.warning).toContain("newer than 0.9.12");
    const calls = world?.calls("kagent") ?? [];
    expect(calls.map((call) => call.args[0]).sort()).toEqual(["invoke", "version"]);
    const url = (args: string[]) => args[args.indexOf("--kagent-url") + 1];
    const [first, second] = calls;
    expect(url(first?.args ?? [])).toBe(url(second?.args ?? []));

    const facts = { namespace: "todo", deployments: [], pods: [], warningEvents: [] };
    const report = buildReport({
      analyzer: "kagent",
      facts,
      verdict: { status: "healthy", findings: [] },
      outcome,
      revisions: {},
    });
    expect(report.explanation).toContain("Postgres");
    expect(report.analyzerWarning).toBe(outcome.warning);
    expect(formatDiagnosis(report)).toContain(`Analyzer warning: ${outcome.warning}`);
  });

  it("the pinned release's versions add nothing to the outcome", async () => {
    const outcome = await runAnalyzer("kagent", analyzerContext({ FAKE_KAGENT: "success" }));
    expect(outcome).toEqual({ analyzer: "kagent", ok: true, explanation: expect.any(String) });
  });
});

describe("the fake kagent fails a flag the way cobra does (go/core/cli/cmd/kagent/main.go)", () => {
  const runFake = (args: string[]) =>
    spawnSync(process.execPath, [join(FAKES_BIN, "kagent"), ...args], { encoding: "utf8", input: "" });

  it("an unknown flag: cobra's error on stderr, exit 1, nothing on stdout", () => {
    const result = runFake(["invoke", "--agent-name", "k8s-agent"]);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr.split("\n")[0]).toBe("Error: unknown flag: --agent-name");
  });

  it("a --timeout that is not a Go duration", () => {
    const result = runFake(["invoke", "--timeout", "120"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('invalid argument "120" for "--timeout" flag');
  });

  it("SOURCE.md names, for each fixture and only those, its stream, exit code and source at the tag", () => {
    const source = fixture("SOURCE.md");
    expect(source).toContain(`Tool: kagent ${KAGENT_CHART_VERSION}`);
    const sections = source.split(/^## /m).slice(1);
    const files = readdirSync(FIXTURES).filter((name) => name !== "SOURCE.md");
    expect(sections.map((section) => section.split("\n")[0]).sort()).toEqual(files.sort());
    for (const section of sections) {
      expect(section).toMatch(/^Stream: (stdout|stderr)[^\n]*exit \d\.$/m);
      expect(section).toMatch(new RegExp(`^Source: kagent-dev/kagent@v${KAGENT_CHART_VERSION} \\S+ — \\S`, "m"));
    }
  });

  it("the fake's header names the release and the source of each behaviour", () => {
    const header = readFileSync(join(FAKES_BIN, "kagent"), "utf8").split("\n");
    expect(header).toContain(`// Tool: kagent ${KAGENT_CHART_VERSION}`);
    const sources = header.filter((line) => line.startsWith("// Source: "));
    expect(sources.length).toBeGreaterThanOrEqual(3);
    for (const line of sources) {
      expect(line).toMatch(new RegExp(`^// Source: kagent-dev/kagent@v${KAGENT_CHART_VERSION} \\S+ — \\S`));
    }
  });
});
