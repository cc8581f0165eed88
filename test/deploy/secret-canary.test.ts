// Secret canaries: run the whole program under mocks with a unique secret (a database password, an
// LLM key) and show it appears only inside secret-marked values: never in a plain resource input,
// Helm values, the chart's rendered manifests, a plain stack output, or the program's output.
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { beforeAll, describe, expect, it } from "vitest";

import { renderRelease } from "../../scripts/manifest-diff/render";
import { HELM_LINES, type HelmLine, helmBinary } from "../support/helm";
import { parseManifests } from "./support/k8s-validate";
import { type ProgramConfig, type ProgramRun, REPO_ROOT, runProgram } from "./support/run-program";
import { isWireSecret } from "./support/wire-secrets";

const RELEASE_TYPE = "kubernetes:helm.sh/v3:Release";
const LOCAL_CHART = "./charts/todo-service";
const LINES = Object.keys(HELM_LINES) as HelmLine[];

/** Where a needle was found: outside any secret (a leak) or inside a secret-wrapped value. */
interface CanaryFindings {
  exposed: string[];
  inSecret: string[];
}

/** Walks a JSON-like value (the wire form keeps secrets wrapped) and records every path holding `needle`. */
function findCanary(value: unknown, needle: string, path = "$", insideSecret = false): CanaryFindings {
  const findings: CanaryFindings = { exposed: [], inSecret: [] };
  const record = (at: string) => (insideSecret ? findings.inSecret : findings.exposed).push(at);
  const merge = (other: CanaryFindings) => {
    findings.exposed.push(...other.exposed);
    findings.inSecret.push(...other.inSecret);
  };
  if (typeof value === "string") {
    if (value.includes(needle)) record(path);
  } else if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) merge(findCanary(item, needle, `${path}[${index}]`, insideSecret));
  } else if (isWireSecret(value)) {
    merge(findCanary(value.value, needle, `${path}<secret>`, true));
  } else if (typeof value === "object" && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      if (key.includes(needle)) record(`${path} (key)`);
      merge(findCanary(item, needle, `${path}.${key}`, insideSecret));
    }
  } else if (value !== null && value !== undefined && String(value).includes(needle)) {
    record(path);
  }
  return findings;
}

interface CanaryCase {
  id: string;
  canary: string;
  config: ProgramConfig;
  secretKeys: string[];
  /** `type::name` of resources that must hold the canary inside a secret (proves the walk finds it). */
  holders: string[];
}

const randomCanary = () => `cnry${randomBytes(12).toString("hex")}`;
const neonCanary = randomCanary();
const llmCanary = randomCanary();
/** What program-mocks returns as RandomPassword.result. */
const GENERATED_PASSWORD = "mock-generated-password-123";

const CASES: CanaryCase[] = [
  {
    id: "Neon databaseUrl password",
    canary: neonCanary,
    config: {
      databaseUrl: `postgresql://todo:${neonCanary}@ep-cool-1-pooler.eu-central-1.aws.neon.tech/todo?sslmode=require`,
    },
    secretKeys: ["databaseUrl"],
    holders: ["kubernetes:core/v1:Secret::database-url"],
  },
  {
    id: "in-cluster generated Postgres password",
    canary: GENERATED_PASSWORD,
    config: {},
    secretKeys: [],
    holders: ["kubernetes:core/v1:Secret::database-url", "kubernetes:core/v1:Secret::database-postgres"],
  },
  {
    id: "aiops.llmApiKey with installKagent",
    canary: llmCanary,
    config: { aiops: JSON.stringify({ llmApiKey: llmCanary, installKagent: true }) },
    secretKeys: ["aiops"],
    // Generic: some resource (kagent's key Secret) must carry it, and only as a secret.
    holders: [],
  },
];

const runs = new Map<string, ProgramRun>();
const manifests = new Map<string, string[]>();

beforeAll(async () => {
  for (const testCase of CASES) {
    const run = runProgram(testCase.config, { secretKeys: testCase.secretKeys });
    if (run.exitCode !== 0 || !run.report.completed) {
      throw new Error(`program failed for ${testCase.id} (exit ${run.exitCode}):\n${run.stderr}\n${run.stdout}`);
    }
    runs.set(testCase.id, run);
    const rendered: string[] = [];
    // Only the local chart renders offline; other releases' (kagent's OCI charts) values are walked below.
    for (const resource of run.report.resources.filter(
      (candidate) => candidate.type === RELEASE_TYPE && candidate.inputs.chart === LOCAL_CHART,
    )) {
      const inputs = resource.inputs as {
        name: string;
        namespace: string;
        chart: string;
        values: Record<string, unknown>;
      };
      for (const line of LINES) {
        const release = {
          name: inputs.name,
          namespace: inputs.namespace,
          chartDir: resolve(REPO_ROOT, inputs.chart),
          values: inputs.values,
        };
        rendered.push(await renderRelease(release, helmBinary(line)));
      }
    }
    manifests.set(testCase.id, rendered);
  }
}, 300_000);

describe("findCanary (pure)", () => {
  const wrap = (value: unknown) => ({ [specialSigKey]: specialSecretSig, value });

  it("reports plain occurrences (values, nested arrays, keys) as exposed and wrapped ones as in a secret", () => {
    const value = {
      plain: "x-NEEDLE-x",
      list: [{ deep: ["NEEDLE"] }],
      NEEDLE: 1,
      wrapped: wrap({ url: "pg://u:NEEDLE@h/db" }),
      clean: "nothing here",
    };
    expect(findCanary(value, "NEEDLE")).toEqual({
      exposed: ["$.plain", "$.list[0].deep[0]", "$ (key)"],
      inSecret: ["$.wrapped<secret>.url"],
    });
    expect(findCanary({ a: "b", c: [1, 2] }, "NEEDLE")).toEqual({ exposed: [], inSecret: [] });
  });
});

describe.each(CASES)("secret canary: $id", (testCase) => {
  const run = () => runs.get(testCase.id) as ProgramRun;

  it("every registered resource has its wire form, and none exposes the canary outside a secret", () => {
    const resources = run().report.resources;
    expect(resources.length).toBeGreaterThan(5);
    const exposed: string[] = [];
    for (const resource of resources) {
      expect(resource.wire, `${resource.type}::${resource.name} has no wire form`).toBeDefined();
      for (const [form, value] of [
        ["wire", resource.wire],
        ["inputs", resource.inputs],
      ] as const) {
        for (const path of findCanary(value, testCase.canary).exposed) {
          exposed.push(`${resource.type}::${resource.name} ${form} ${path}`);
        }
      }
    }
    expect(exposed).toEqual([]);
  });

  it("the canary does reach the resources that must hold it, inside a secret (so the walk can find it)", () => {
    const holding = run()
      .report.resources.filter((resource) => findCanary(resource.wire, testCase.canary).inSecret.length > 0)
      .map((resource) => `${resource.type}::${resource.name}`);
    expect(holding.length, "no resource holds the canary at all").toBeGreaterThan(0);
    expect(holding).toEqual(expect.arrayContaining(testCase.holders));
    // Only Secrets (and secret-wrapped command/component inputs) may hold it; never a Helm release.
    expect(holding.filter((key) => key.startsWith(RELEASE_TYPE))).toEqual([]);
  });

  it("no Helm release's values hold it", () => {
    const releases = run().report.resources.filter((resource) => resource.type === RELEASE_TYPE);
    expect(releases.length).toBeGreaterThanOrEqual(2);
    for (const release of releases) {
      expect(JSON.stringify(release.inputs.values ?? {}), release.name).not.toContain(testCase.canary);
    }
  });

  it("the chart's rendered manifests (helm 3 and 4) neither hold it nor hold any Secret", () => {
    const rendered = manifests.get(testCase.id) ?? [];
    expect(rendered).toHaveLength(2 * LINES.length);
    const encoded = Buffer.from(testCase.canary).toString("base64").replace(/=+$/, "");
    for (const manifest of rendered) {
      expect(manifest).not.toContain(testCase.canary);
      expect(manifest).not.toContain(encoded);
      expect(parseManifests(manifest).map((item) => item.object.kind)).not.toContain("Secret");
    }
  });

  it("stack outputs hold it only when marked secret", () => {
    const exports = run().report.exports;
    expect(Object.keys(exports).length).toBeGreaterThan(3);
    for (const [name, output] of Object.entries(exports)) {
      if (output.secret) continue;
      expect(findCanary(output.value, testCase.canary).exposed, `output ${name}`).toEqual([]);
    }
  });

  it("the program's stdout and stderr never print it", () => {
    expect(run().stdout).not.toContain(testCase.canary);
    expect(run().stderr).not.toContain(testCase.canary);
  });
});

describe("the canary runs capture what they check", () => {
  it("stderr of the in-cluster run carries the program's warning, so the log check reads real output", () => {
    const inCluster = runs.get("in-cluster generated Postgres password") as ProgramRun;
    expect(inCluster.stderr).toContain("databaseUrl is not set");
  });
});
