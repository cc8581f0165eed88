// The whole program (index.ts) loaded the way the Pulumi language host loads it
// (node -r ts-node/register with the root tsconfig), under the mocks preload, with the config the
// CLI would hand it for the dev stack: Pulumi.dev.yaml over Pulumi.yaml's defaults. One run takes
// the in-cluster database path (dev sets no databaseUrl), one the Neon path with kagent installed.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";

import { ERROR_HOOK_NAME } from "../../aiops/error-hook";
import { CHART_PATH } from "../../components/chart";
import type { ChartValues } from "../../components/release-values";
import type { RegisteredResource } from "./support/program-mocks";
import { type ProgramRun, REPO_ROOT, runProgram, stackConfig } from "./support/run-program";
import { isWireSecret, withoutSecretValues } from "./support/wire-secrets";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const SECRET = "kubernetes:core/v1:Secret";
const STATEFUL_SET = "kubernetes:apps/v1:StatefulSet";
const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword";
const HEALTH_CHECK = "todo-platform:aiops:AiHealthCheck";
const COMMAND = "command:local:Command";
/** The mocks preload's RandomPassword result: the in-cluster database password. */
const MOCK_PASSWORD = "mock-generated-password-123";
const NEON_PASSWORD = "npg-CANARY-5e1f0c";
const NEON_URL = `postgresql://todo_owner:${NEON_PASSWORD}@ep-calm-7-pooler.eu-central-1.aws.neon.tech/todo?sslmode=require`;
const LLM_KEY = "sk-CANARY-llm-9a8b";

const docs = readFileSync(join(REPO_ROOT, "README.md"), "utf8");

/** First-column names and the other cells of a README.md table between its markers. */
function docsTable(name: string): Map<string, string[]> {
  const start = docs.indexOf(`<!-- ${name}:start`);
  const end = docs.indexOf(`<!-- ${name}:end -->`);
  const rows = docs
    .slice(start, end)
    .split("\n")
    .filter((line) => line.startsWith("| `"))
    .map((line) =>
      line
        .slice(2, -2)
        .split(/(?<!\\) \| /)
        .map((cell) => cell.trim()),
    );
  return new Map(rows.map(([first, ...rest]) => [String(first).replaceAll("`", ""), rest]));
}

function find(run: ProgramRun, type: string, name: string): RegisteredResource {
  const resource = run.report.resources.find((r) => r.type === type && r.name === name);
  if (!resource) throw new Error(`no ${type} named ${name} was registered`);
  return resource;
}

function ofType(run: ProgramRun, type: string): RegisteredResource[] {
  return run.report.resources.filter((r) => r.type === type);
}

/** The value inside a secret-marked wire value; undefined when the value is not secret. */
function secretValue(value: unknown): unknown {
  return isWireSecret(value) ? value.value : undefined;
}

/** Everything of a run that is not secret-marked: plain inputs, outputs and the process output. */
function plainText(run: ProgramRun): string {
  return JSON.stringify({
    wire: run.report.resources.map((r) => withoutSecretValues(r.wire)),
    exports: run.report.exports,
    stdout: run.stdout,
    stderr: run.stderr,
  });
}

describe("the program with the dev stack's config (in-cluster database)", () => {
  let run: ProgramRun;

  beforeAll(() => {
    // Exactly what the CLI passes for `dev`: Pulumi.yaml's defaults with Pulumi.dev.yaml on top.
    run = runProgram(stackConfig("dev"), { stack: "dev" });
  });

  it("loads like Pulumi loads it and completes with every output of the contract exported", () => {
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.report.completed).toBe(true);
    expect(Object.keys(run.report.exports).sort()).toEqual([...docsTable("outputs-table").keys()].sort());
    for (const [name, exported] of Object.entries(run.report.exports)) expect(exported.known, name).toBe(true);
  });

  it("deploys the two services as Helm releases of the local chart: atomic, cleanupOnFail, timeout, history", () => {
    const releases = ofType(run, RELEASE);
    expect(releases.map((r) => r.name).sort()).toEqual(["backend", "frontend"]);
    for (const release of releases) {
      expect(release.inputs).toMatchObject({
        name: `todo-${release.name}`,
        namespace: "todo-dev",
        chart: CHART_PATH,
        atomic: true,
        cleanupOnFail: true,
        timeout: 600,
        maxHistory: 10,
        createNamespace: false,
      });
    }
  });

  it("runs 2 frontend and 2 backend replicas, the frontend pointed at the backend Service", () => {
    const frontend = find(run, RELEASE, "frontend").inputs.values as ChartValues;
    const backend = find(run, RELEASE, "backend").inputs.values as ChartValues;
    expect(frontend.replicaCount).toBe(2);
    expect(frontend.podDisruptionBudget.enabled).toBe(true);
    expect(backend.replicaCount).toBe(2);
    expect(frontend.env.BACKEND_URL).toBe("http://todo-backend.todo-dev.svc.cluster.local:80");
  });

  it("creates the stack's namespace with Pod Security restricted enforced", () => {
    const namespace = find(run, "kubernetes:core/v1:Namespace", "namespace");
    expect(namespace.inputs.metadata).toMatchObject({
      name: "todo-dev",
      labels: { "pod-security.kubernetes.io/enforce": "restricted" },
    });
  });

  it("puts the database URL in the Secret todo-database only, as a secret, and the backend reads it by name", () => {
    const secret = find(run, SECRET, "database-url");
    expect(secret.inputs.metadata).toMatchObject({ name: "todo-database", namespace: "todo-dev" });
    const stringData = secretValue((secret.wire as { stringData: unknown }).stringData) as Record<string, string>;
    expect(stringData.DATABASE_URL).toBe(
      `postgresql://todo:${MOCK_PASSWORD}@todo-postgres.todo-dev.svc.cluster.local:5432/todo?sslmode=disable`,
    );
    const backend = find(run, RELEASE, "backend").inputs.values as ChartValues;
    expect(backend.secretEnv).toEqual([{ name: "DATABASE_URL", secretName: "todo-database", key: "DATABASE_URL" }]);
    expect(plainText(run)).not.toContain(MOCK_PASSWORD);
  });

  it("deploys Postgres in the cluster: StatefulSet with a 1Gi PVC, headless Service, generated password", () => {
    const statefulSet = find(run, STATEFUL_SET, "database-postgres");
    const spec = statefulSet.inputs.spec as {
      volumeClaimTemplates: { spec: { resources: { requests: { storage: string } } } }[];
    };
    expect(spec.volumeClaimTemplates[0]?.spec.resources.requests.storage).toBe("1Gi");
    const service = find(run, "kubernetes:core/v1:Service", "database-postgres");
    expect(service.inputs.spec).toMatchObject({ clusterIP: "None" });
    expect(ofType(run, RANDOM_PASSWORD).map((r) => r.name)).toEqual(["database-password"]);
    const credentials = find(run, SECRET, "database-postgres").wire as { stringData: unknown };
    expect(secretValue(credentials.stringData)).toMatchObject({ POSTGRES_PASSWORD: MOCK_PASSWORD });
  });

  it("lets only the backend's pods and its migration Job reach Postgres (5432), and Postgres reach nothing", () => {
    expect(ofType(run, NETWORK_POLICY).map((r) => r.name)).toEqual(["database-postgres"]);
    const policy = find(run, NETWORK_POLICY, "database-postgres");
    expect(policy.inputs.metadata).toMatchObject({ name: "todo-postgres", namespace: "todo-dev" });
    const postgresPods = (
      find(run, STATEFUL_SET, "database-postgres").inputs.spec as {
        template: { metadata: { labels: Record<string, string> } };
      }
    ).template.metadata.labels;
    const release = (component: string) => ({
      "app.kubernetes.io/name": "todo-service",
      "app.kubernetes.io/instance": "todo-backend",
      "app.kubernetes.io/component": component,
    });
    expect(policy.inputs.spec).toEqual({
      podSelector: { matchLabels: postgresPods },
      policyTypes: ["Ingress", "Egress"],
      ingress: [
        {
          from: [
            { podSelector: { matchLabels: release("backend") } },
            { podSelector: { matchLabels: release("migration") } },
          ],
          ports: [{ protocol: "TCP", port: 5432 }],
        },
      ],
      egress: [],
    });
    expect(find(run, RELEASE, "backend").dependencies).toContain(policy.urn);
  });

  it("hands both releases their NetworkPolicy values: backend from the frontend, to Postgres; frontend to the backend", () => {
    const backend = (find(run, RELEASE, "backend").inputs.values as ChartValues).networkPolicy;
    const frontend = (find(run, RELEASE, "frontend").inputs.values as ChartValues).networkPolicy;
    const postgresPods = (
      find(run, STATEFUL_SET, "database-postgres").inputs.spec as {
        template: { metadata: { labels: Record<string, string> } };
      }
    ).template.metadata.labels;
    expect(backend).toMatchObject({
      enabled: true,
      ingressFromAnywhere: false,
      ingressFrom: [
        {
          "app.kubernetes.io/name": "todo-service",
          "app.kubernetes.io/instance": "todo-frontend",
          "app.kubernetes.io/component": "frontend",
        },
      ],
      allowNamespaces: [],
      egressToPods: [{ podLabels: postgresPods, port: 5432 }],
      egressToCidrs: [],
    });
    expect(frontend).toMatchObject({
      enabled: true,
      ingressFromAnywhere: true,
      egressToPods: [
        {
          podLabels: {
            "app.kubernetes.io/name": "todo-service",
            "app.kubernetes.io/instance": "todo-backend",
            "app.kubernetes.io/component": "backend",
          },
          port: 8080,
        },
      ],
      egressToCidrs: [],
    });
  });

  it("says so in databaseMode and in a warning", () => {
    expect(run.report.exports.databaseMode).toMatchObject({ value: "in-cluster", secret: false });
    expect(run.stdout + run.stderr).toMatch(/warning: .*databaseUrl is not set: deploying an in-cluster Postgres/);
  });

  it("orders the deploy: database Secret and Postgres, then the backend, then the frontend, then the health check", () => {
    const urn = (type: string, name: string) => find(run, type, name).urn;
    const backend = find(run, RELEASE, "backend");
    const frontend = find(run, RELEASE, "frontend");
    expect(backend.dependencies).toEqual(
      expect.arrayContaining([urn(SECRET, "database-url"), urn(STATEFUL_SET, "database-postgres")]),
    );
    expect(frontend.dependencies).toContain(backend.urn);
    expect(backend.dependencies).not.toContain(frontend.urn);

    const health = ofType(run, HEALTH_CHECK);
    expect(health.map((r) => r.name)).toEqual(["health"]);
    const analysis = ofType(run, COMMAND).filter((r) => r.parent === health[0]?.urn);
    expect(analysis).toHaveLength(1);
    expect(analysis[0]?.dependencies).toEqual(expect.arrayContaining([backend.urn, frontend.urn]));
  });

  it("binds the named error hook to both releases", () => {
    for (const name of ["backend", "frontend"]) {
      expect(find(run, RELEASE, name).onErrorHooks, name).toEqual([ERROR_HOOK_NAME]);
    }
  });

  it("installs no kagent unless aiops.installKagent is set", () => {
    expect(run.report.resources.filter((r) => r.type.includes("Kagent"))).toEqual([]);
    expect(ofType(run, RELEASE).filter((r) => String(r.inputs.chart).startsWith("oci://"))).toEqual([]);
  });

  it("exports the documented contract, nothing secret, ReleaseSummary fields as documented", () => {
    const exports = run.report.exports;
    const table = docsTable("outputs-table");
    for (const [name, exported] of Object.entries(exports)) {
      expect(exported.secret ? "yes" : "no", `secret column of ${name}`).toBe(table.get(name)?.[1]);
    }
    expect(exports.appUrl?.value).toBe("minikube -p minikube service -n todo-dev todo-frontend --url");
    expect(exports.namespace?.value).toBe("todo-dev");
    expect(exports.databaseSecretName?.value).toBe("todo-database");
    const summaryFields = [...docsTable("release-summary-table").keys()].sort();
    for (const name of ["frontend", "backend"]) {
      const summary = exports[name]?.value as Record<string, unknown>;
      expect(Object.keys(summary).sort(), name).toEqual(summaryFields);
      expect(summary).toMatchObject({
        releaseName: `todo-${name}`,
        revision: 1,
        status: "deployed",
        serviceDns: `todo-${name}.todo-dev.svc.cluster.local`,
        serviceUrl: `http://todo-${name}.todo-dev.svc.cluster.local:80`,
      });
      expect(summary.imageRef).toMatch(new RegExp(`^todo-${name}:[0-9a-f]{12}$`));
      expect(summary.imageRef).toBe((find(run, RELEASE, name).inputs.values as ChartValues).image.ref);
    }
    // The health output is the analysis command's report (a stand-in under mocks), per release revision.
    expect(exports.health?.value).toMatchObject({
      analyzer: "kagent",
      revisions: { "todo-backend": 1, "todo-frontend": 1 },
    });
  });
});

describe("the program with an in-cluster Postgres whose password and image come from config", () => {
  const PASSWORD = "CanaryPgPassword4242";
  let run: ProgramRun;

  beforeAll(() => {
    run = runProgram(stackConfig("dev", { postgresPassword: PASSWORD, postgresImage: "registry.example.com/pg:17" }), {
      stack: "dev",
      secretKeys: ["postgresPassword"],
    });
  });

  it("generates no password, and the credentials and the URL carry the configured one, as secrets only", () => {
    expect(run.exitCode, run.stderr).toBe(0);
    expect(ofType(run, RANDOM_PASSWORD)).toEqual([]);
    const credentials = find(run, SECRET, "database-postgres").wire as { stringData: unknown };
    expect(secretValue(credentials.stringData)).toMatchObject({ POSTGRES_PASSWORD: PASSWORD });
    const url = find(run, SECRET, "database-url").wire as { stringData: unknown };
    expect(secretValue(url.stringData)).toEqual({
      DATABASE_URL: `postgresql://todo:${PASSWORD}@todo-postgres.todo-dev.svc.cluster.local:5432/todo?sslmode=disable`,
    });
    expect(plainText(run)).not.toContain(PASSWORD);
  });

  it("runs the configured Postgres image", () => {
    const spec = find(run, STATEFUL_SET, "database-postgres").inputs.spec as {
      template: { spec: { containers: { image: string }[] } };
    };
    expect(spec.template.spec.containers.map((c) => c.image)).toEqual(["registry.example.com/pg:17"]);
  });
});

describe("the program with a Neon databaseUrl and kagent installed", () => {
  let run: ProgramRun;

  beforeAll(() => {
    const aiops = { analyzer: "kagent", installKagent: true, llmProvider: "openai", llmApiKey: LLM_KEY };
    run = runProgram(stackConfig("dev", { databaseUrl: NEON_URL, aiops: JSON.stringify(aiops) }), {
      stack: "dev",
      secretKeys: ["databaseUrl", "aiops"],
    });
  });

  it("completes, reporting databaseMode neon and no in-cluster warning", () => {
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.report.completed).toBe(true);
    expect(run.report.exports.databaseMode).toMatchObject({ value: "neon", secret: false });
    expect(run.stdout + run.stderr).not.toContain("databaseUrl is not set");
  });

  it("deploys no Postgres: no StatefulSet, no generated password, no credentials Secret, no Postgres NetworkPolicy", () => {
    expect(ofType(run, STATEFUL_SET)).toEqual([]);
    expect(ofType(run, NETWORK_POLICY)).toEqual([]);
    expect(ofType(run, RANDOM_PASSWORD)).toEqual([]);
    expect(ofType(run, SECRET).map((r) => r.name)).not.toContain("database-postgres");
  });

  it("stores the Neon URL only in the secret-marked Secret data; the backend waits for that Secret", () => {
    const secret = find(run, SECRET, "database-url");
    const stringData = secretValue((secret.wire as { stringData: unknown }).stringData);
    expect(stringData).toEqual({ DATABASE_URL: NEON_URL });
    expect(find(run, RELEASE, "backend").dependencies).toContain(secret.urn);
    const text = plainText(run);
    expect(text).not.toContain(NEON_PASSWORD);
    expect(text).not.toContain(LLM_KEY);
  });

  it("lets the backend out to the database URL's port on 0.0.0.0/0 (the default), with nothing of the URL in the values", () => {
    const backend = (find(run, RELEASE, "backend").inputs.values as ChartValues).networkPolicy;
    expect(backend.egressToPods).toEqual([]);
    expect(backend.egressToCidrs).toEqual([{ cidr: "0.0.0.0/0", port: 5432 }]);
    expect(JSON.stringify(find(run, RELEASE, "backend").inputs.values)).not.toContain("neon.tech");
  });

  it("installs kagent as two Helm releases from OCI charts, and the health check waits for it", () => {
    const kagentReleases = ofType(run, RELEASE).filter((r) => String(r.inputs.chart).startsWith("oci://"));
    expect(kagentReleases).toHaveLength(2);
    const todoReleases = ofType(run, RELEASE).filter((r) => r.inputs.chart === CHART_PATH);
    expect(todoReleases.map((r) => r.name).sort()).toEqual(["backend", "frontend"]);
    // The error hook is the todo releases' alone.
    for (const release of kagentReleases) expect(release.onErrorHooks, release.name).toEqual([]);

    const kagentUrns = run.report.resources
      .filter((r) => r.parent?.includes("KagentInstall"))
      .map((r) => r.urn as string);
    const analysis = ofType(run, COMMAND).find((r) => r.parent === ofType(run, HEALTH_CHECK)[0]?.urn);
    expect(analysis?.dependencies?.some((urn) => kagentUrns.includes(urn))).toBe(true);
  });
});
