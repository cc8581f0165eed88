// The AIOps pieces as the real program wires them (index.ts under mocks, loaded like the Pulumi
// language host does): the health check after both releases, the error hook on both releases,
// and the optional kagent install with its key kept out of every non-secret input.
import { beforeAll, describe, expect, it } from "vitest";

import { ERROR_HOOK_NAME, WATCH_START_HOOK_NAME, WATCH_STOP_HOOK_NAME } from "../../aiops/error-hook";
import {
  agentReadyCommand,
  BUILT_IN_AGENTS,
  KAGENT_CHART_VERSION,
  KAGENT_CHARTS,
  kagentValues,
} from "../../components/kagent-values";
import { kagentInstallProblems } from "../../config/aiops";
import { HEALTH_CHECK_OFF } from "../../outputs";
import type { RegisteredResource } from "../deploy/support/program-mocks";
import { type ProgramRun, REPO_ROOT, runProgram } from "../deploy/support/run-program";
import { withoutSecretValues } from "../deploy/support/wire-secrets";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const COMMAND = "command:local:Command";
const KEY_CANARY = `sk-CANARY-${process.pid}-llm`;

const byName = (run: ProgramRun, type: string, name: string): RegisteredResource => {
  const found = run.report.resources.find((r) => r.type === type && r.name === name);
  if (!found) throw new Error(`no ${type} named ${name} in ${run.report.resources.map((r) => r.name).join(", ")}`);
  return found;
};

describe("kagent install values (pure)", () => {
  it("enables only the agent the analysis invokes and names the key Secret instead of holding the key", () => {
    const values = kagentValues({ llmProvider: "openai", agent: "k8s-agent" });
    expect(values.providers).toEqual({
      default: "openAI",
      openAI: { apiKeySecretRef: "kagent-openai", apiKeySecretKey: "OPENAI_API_KEY" },
    });
    const enabled = BUILT_IN_AGENTS.filter(({ toggle }) => (values[toggle] as { enabled: boolean }).enabled);
    expect(enabled.map(({ toggle }) => toggle)).toEqual(["k8s-agent"]);
    expect(JSON.stringify(values)).not.toMatch(/apiKey"/);
  });

  it("maps each provider to the chart's key; ollama needs no Secret; an Agent the chart does not create is refused", () => {
    expect(kagentValues({ llmProvider: "anthropic", agent: "helm-agent" }).providers).toEqual({
      default: "anthropic",
      anthropic: { apiKeySecretRef: "kagent-anthropic", apiKeySecretKey: "ANTHROPIC_API_KEY" },
    });
    expect(kagentValues({ llmProvider: "ollama", agent: "k8s-agent" }).providers).toEqual({
      default: "ollama",
      ollama: {},
    });
    expect(() => kagentValues({ llmProvider: "openai", agent: "my-agent" })).toThrow("creates no Agent named my-agent");
  });

  it("asks for the key only when this program installs kagent with a keyed provider", () => {
    expect(kagentInstallProblems({ installKagent: false, llmProvider: "openai" })).toEqual([]);
    expect(kagentInstallProblems({ installKagent: true, llmProvider: "ollama" })).toEqual([]);
    expect(kagentInstallProblems({ installKagent: true, llmProvider: "openai", llmApiKey: "k" })).toEqual([]);
    expect(kagentInstallProblems({ installKagent: true, llmProvider: "gemini" })[0]?.message).toContain(
      "pulumi config set --secret --path aiops.llmApiKey",
    );
  });

  it("waits for the Agent's Ready condition in the kagent namespace, quoting what a shell would split", () => {
    expect(agentReadyCommand({ agent: "k8s-agent", kubeContext: "minikube", timeoutSeconds: 600 })).toBe(
      "kubectl --context minikube wait --namespace kagent --for=condition=Ready agents.kagent.dev/k8s-agent --timeout=600s",
    );
    expect(agentReadyCommand({ agent: "k8s-agent", kubeContext: "my ctx", timeoutSeconds: 5 })).toContain(
      "--context 'my ctx' wait",
    );
  });
});

describe("the program's AIOps wiring (index.ts under mocks)", () => {
  let plain: ProgramRun;
  let withKagent: ProgramRun;

  beforeAll(() => {
    plain = runProgram({});
    withKagent = runProgram(
      { aiops: JSON.stringify({ installKagent: true, llmApiKey: KEY_CANARY, failOn: "unhealthy" }) },
      { secretKeys: ["aiops"] },
    );
  }, 240_000);

  it("both runs complete", () => {
    expect(plain.exitCode, plain.stderr).toBe(0);
    expect(withKagent.exitCode, withKagent.stderr).toBe(0);
  });

  it("runs the health analysis after both releases and exports its report as `health`", () => {
    const analysis = byName(plain, COMMAND, "health-analysis");
    const backend = byName(plain, RELEASE, "backend");
    const frontend = byName(plain, RELEASE, "frontend");
    expect(analysis.dependencies).toEqual(expect.arrayContaining([backend.urn, frontend.urn]));
    expect(analysis.inputs.triggers).toEqual([
      "todo-backend@1",
      expect.stringMatching(/^todo-backend:[0-9a-f]{12,}$/),
      "todo-frontend@1",
      expect.stringMatching(/^todo-frontend:[0-9a-f]{12,}$/),
    ]);
    expect(analysis.inputs.environment).toBeUndefined();
    // node itself, no shell; the CLI's options as one JSON document, appended by the provider.
    expect(analysis.inputs.interpreter).toEqual([
      "node",
      "-r",
      "ts-node/register/transpile-only",
      "aiops/cli.ts",
      "--args-json",
    ]);
    expect(analysis.inputs.addPreviousOutputInEnv).toBe(false);
    expect(analysis.inputs.dir).toBe(REPO_ROOT);
    expect(JSON.parse(String(analysis.inputs.create))).toMatchObject({
      namespace: "todo-dev",
      context: "minikube",
      analyzer: "kagent",
      revisions: { "todo-backend": 1, "todo-frontend": 1 },
      redactSecretNames: ["todo-database"],
      record: true,
    });
    // The export is the Command's stdout (the mocks preload's stand-in report).
    expect(plain.report.exports.health?.value).toMatchObject({
      status: "healthy",
      summary: expect.stringContaining("fake report from the mocks preload"),
    });
  });

  it("attaches the one named error hook to both app releases and registers it with the engine", () => {
    for (const name of ["backend", "frontend"]) {
      expect(byName(plain, RELEASE, name).onErrorHooks).toEqual([ERROR_HOOK_NAME]);
    }
    expect(plain.report.resources.filter((r) => r.onErrorHooks.length > 0)).toHaveLength(2);
  });

  it("runs the rollout watch around each release's create and update, never in preview", () => {
    for (const name of ["backend", "frontend"]) {
      expect(byName(plain, RELEASE, name).resourceHooks).toEqual({
        beforeCreate: [WATCH_START_HOOK_NAME],
        beforeUpdate: [WATCH_START_HOOK_NAME],
        afterCreate: [WATCH_STOP_HOOK_NAME],
        afterUpdate: [WATCH_STOP_HOOK_NAME],
      });
    }
    expect(plain.report.resourceHooks).toEqual(
      expect.arrayContaining([
        { name: WATCH_START_HOOK_NAME, onDryRun: false },
        { name: WATCH_STOP_HOOK_NAME, onDryRun: false },
      ]),
    );
  });

  it("installs nothing of kagent unless aiops.installKagent is true", () => {
    expect(plain.report.resources.some((r) => r.type === "todo-platform:aiops:KagentInstall")).toBe(false);
    expect(plain.report.resources.some((r) => String(r.inputs.chart ?? "").startsWith("oci://"))).toBe(false);
  });

  it("installs the pinned kagent charts in order and waits for the agent before the analysis", () => {
    const crds = byName(withKagent, RELEASE, "kagent-crds");
    const kagent = byName(withKagent, RELEASE, "kagent");
    const keySecret = byName(withKagent, "kubernetes:core/v1:Secret", "kagent-llm-key");
    const ready = byName(withKagent, COMMAND, "kagent-agent-ready");
    const analysis = byName(withKagent, COMMAND, "health-analysis");
    expect(crds.inputs).toMatchObject({
      chart: KAGENT_CHARTS.crds,
      version: KAGENT_CHART_VERSION,
      namespace: "kagent",
    });
    expect(kagent.inputs).toMatchObject({
      chart: KAGENT_CHARTS.kagent,
      version: KAGENT_CHART_VERSION,
      namespace: "kagent",
      values: kagentValues({ llmProvider: "openai", agent: "k8s-agent" }),
    });
    expect(kagent.dependencies).toEqual(expect.arrayContaining([crds.urn, keySecret.urn]));
    expect(ready.dependencies).toContain(kagent.urn);
    expect(ready.inputs.create).toBe(
      agentReadyCommand({ agent: "k8s-agent", kubeContext: "minikube", timeoutSeconds: 600 }),
    );
    expect(analysis.dependencies).toContain(ready.urn);
    expect(JSON.parse(String(analysis.inputs.create))).toMatchObject({ failOn: "unhealthy" });
  });

  it("keeps the LLM key only in the Secret's secret-marked data: no other input, output or log has it", () => {
    const keySecret = byName(withKagent, "kubernetes:core/v1:Secret", "kagent-llm-key");
    expect(JSON.stringify(keySecret.wire)).toContain(KEY_CANARY);
    for (const resource of withKagent.report.resources) {
      const outsideSecrets = JSON.stringify(withoutSecretValues(resource.wire ?? {}));
      expect(outsideSecrets, `${resource.type} ${resource.name}`).not.toContain(KEY_CANARY);
    }
    expect(JSON.stringify(withKagent.report.exports)).not.toContain(KEY_CANARY);
    expect(withKagent.stdout + withKagent.stderr).not.toContain(KEY_CANARY);
  });
});

describe("aiops.analyzer off: no health check at all (index.ts under mocks)", () => {
  let off: ProgramRun;

  beforeAll(() => {
    off = runProgram({ aiops: JSON.stringify({ analyzer: "off" }) });
  }, 120_000);

  it("completes with both releases and their error hook, and registers no health check, Command or kagent", () => {
    expect(off.exitCode, off.stderr).toBe(0);
    expect(off.report.completed).toBe(true);
    const types = off.report.resources.map((r) => r.type);
    expect(types).not.toContain("todo-platform:aiops:AiHealthCheck");
    // The only Commands left are the Minikube loader's, one per AppImage.
    const commands = off.report.resources.filter((r) => r.type === COMMAND);
    expect(commands.map((r) => r.parent?.split("::").pop())).toEqual(["backend", "frontend"]);
    expect(commands.some((r) => r.name.endsWith("-analysis") || r.name.startsWith("kagent"))).toBe(false);
    expect(types).not.toContain("todo-platform:aiops:KagentInstall");
    // Nothing writes the aiops-history ConfigMap: only the analysis Command's CLI (--record) does.
    expect(JSON.stringify(off.report.resources)).not.toContain("aiops-history");
    for (const name of ["backend", "frontend"])
      expect(byName(off, RELEASE, name).onErrorHooks).toEqual([ERROR_HOOK_NAME]);
  });

  it("exports health as the documented constant HEALTH_CHECK_OFF (status off), not secret, and every other output as usual", () => {
    expect(off.report.exports.health).toEqual({ value: HEALTH_CHECK_OFF, secret: false, known: true });
    expect(HEALTH_CHECK_OFF).toMatchObject({ analyzer: "off", status: "off" });
    expect(Object.keys(off.report.exports).sort()).toEqual(
      ["appUrl", "backend", "databaseMode", "databaseSecretName", "frontend", "health", "namespace"].sort(),
    );
  });

  it("differs from none, which still runs the facts-only analysis Command", () => {
    const none = runProgram({ aiops: JSON.stringify({ analyzer: "none" }) });
    expect(none.exitCode, none.stderr).toBe(0);
    expect(JSON.parse(String(byName(none, COMMAND, "health-analysis").inputs.create))).toMatchObject({
      analyzer: "none",
    });
  }, 120_000);
});
