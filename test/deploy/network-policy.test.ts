// NetworkPolicies (issue 17): the pure functions that decide who may talk to whom, then the chart's
// networkpolicy.yaml rendered by real helm 3 and 4 from the values the program computes under mocks
// (in-cluster Postgres, an external database on its own port with a narrowed CIDR and extra
// namespaces, the switch off), then values.schema.json refusing what would open or break them.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { POSTGRES_POD_LABELS } from "../../components/database";
import {
  ANY_IPV4,
  appNetworkPolicies,
  type ChartNetworkPolicy,
  chartPodLabels,
  noNetworkPolicy,
  postgresNetworkPolicySpec,
} from "../../components/network-policy";
import { type ChartValues, releaseValues } from "../../components/release-values";
import { databaseUrlPort } from "../../config/database-url";
import { isCidr } from "../../config/deploy";
import { parsePlatformConfig } from "../../config/index";
import { databaseEndpoint } from "../../program/releases";
import { renderRelease } from "../../scripts/manifest-diff/render";
import { HELM_LINES, type HelmLine, helm, helmBinary } from "../support/helm";
import { type K8sObject, objectKey, parseManifests, schemaErrors, unknownFieldErrors } from "./support/k8s-validate";
import { checkRestricted } from "./support/pod-security";
import { type ProgramConfig, type ProgramRun, REPO_ROOT, runProgram, stackConfig } from "./support/run-program";

const RELEASE_TYPE = "kubernetes:helm.sh/v3:Release";
const NETWORK_POLICY_TYPE = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const LOCAL_CHART = "./charts/todo-service";
const CHART_DIR = join(REPO_ROOT, "charts", "todo-service");
const LINES = Object.keys(HELM_LINES) as HelmLine[];
/** An external (non-Neon) Postgres on its own port: the port reaches the policy, the host must not. */
const EXTERNAL_HOST = "pg-primary.corp-network.internal";
const EXTERNAL_URL = `postgresql://todo:Xq7pL2vR9sK4mT8w@${EXTERNAL_HOST}:6543/todo`;

const BACKEND = chartPodLabels("todo-backend", "backend");
const FRONTEND = chartPodLabels("todo-frontend", "frontend");
const MIGRATION = chartPodLabels("todo-backend", "migration");
const DNS_RULE = {
  to: [
    {
      namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
      podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
    },
  ],
  ports: [
    { protocol: "UDP", port: 53 },
    { protocol: "TCP", port: 53 },
  ],
};

// --- pure ----------------------------------------------------------------------------------------

describe("appNetworkPolicies (pure)", () => {
  const input = {
    enabled: true,
    releaseNames: { backend: "todo-backend", frontend: "todo-frontend" },
    backendPort: 8080,
    allowNamespaces: ["monitoring"],
  } as const;

  it("in-cluster: the backend takes the frontend's pods and reaches the Postgres pods; the frontend takes anyone and reaches the backend", () => {
    const policies = appNetworkPolicies({
      ...input,
      database: { mode: "in-cluster", podLabels: { "app.kubernetes.io/name": "postgres" }, port: 5432 },
    });
    const dns = { namespace: "kube-system", podLabels: { "k8s-app": "kube-dns" } };
    expect(policies.backend).toEqual<ChartNetworkPolicy>({
      enabled: true,
      ingressFromAnywhere: false,
      ingressFrom: [FRONTEND],
      allowNamespaces: ["monitoring"],
      egressToPods: [{ podLabels: { "app.kubernetes.io/name": "postgres" }, port: 5432 }],
      egressToCidrs: [],
      dns,
    });
    expect(policies.frontend).toEqual<ChartNetworkPolicy>({
      enabled: true,
      ingressFromAnywhere: true,
      ingressFrom: [],
      allowNamespaces: ["monitoring"],
      egressToPods: [{ podLabels: BACKEND, port: 8080 }],
      egressToCidrs: [],
      dns,
    });
  });

  it("external database: the backend reaches the CIDR on the database port and no pod", () => {
    const { backend } = appNetworkPolicies({ ...input, database: { mode: "neon", cidr: "10.0.0.0/8", port: 6543 } });
    expect(backend.egressToPods).toEqual([]);
    expect(backend.egressToCidrs).toEqual([{ cidr: "10.0.0.0/8", port: 6543 }]);
  });

  it("switched off: neither release renders a policy", () => {
    const policies = appNetworkPolicies({
      ...input,
      enabled: false,
      database: { mode: "neon", cidr: ANY_IPV4, port: 5432 },
    });
    expect(policies).toEqual({ backend: noNetworkPolicy(), frontend: noNetworkPolicy() });
    expect(policies.backend.enabled).toBe(false);
  });

  it("chartPodLabels are the chart's selector labels (name, instance, component)", () => {
    expect(MIGRATION).toEqual({
      "app.kubernetes.io/name": "todo-service",
      "app.kubernetes.io/instance": "todo-backend",
      "app.kubernetes.io/component": "migration",
    });
  });
});

describe("postgresNetworkPolicySpec (pure)", () => {
  it("lets in only the backend's pods and its migration Job on the port, and nothing out", () => {
    expect(
      postgresNetworkPolicySpec({ postgresLabels: { app: "pg" }, backendReleaseName: "todo-backend", port: 5432 }),
    ).toEqual({
      podSelector: { matchLabels: { app: "pg" } },
      policyTypes: ["Ingress", "Egress"],
      ingress: [
        {
          from: [{ podSelector: { matchLabels: BACKEND } }, { podSelector: { matchLabels: MIGRATION } }],
          ports: [{ protocol: "TCP", port: 5432 }],
        },
      ],
      egress: [],
    });
  });
});

describe("the database endpoint of the backend's egress (pure)", () => {
  const deploy = (overrides: Record<string, string> = {}) =>
    parsePlatformConfig(stackConfig("fresh-stack-without-settings", overrides), {
      project: "todo-platform",
      stack: "t",
    });

  it("in-cluster: the Postgres pods on 5432", () => {
    expect(databaseEndpoint(deploy())).toEqual({ mode: "in-cluster", podLabels: POSTGRES_POD_LABELS, port: 5432 });
  });

  it("a databaseUrl: 0.0.0.0/0 by default, on the URL's port (5432 when it has none), or the configured CIDR", () => {
    const neon = "postgresql://todo:Xq7pL2vR9sK4mT8w@ep-calm-7-pooler.eu-central-1.aws.neon.tech/todo?sslmode=require";
    expect(databaseEndpoint(deploy({ databaseUrl: neon }))).toEqual({ mode: "neon", cidr: "0.0.0.0/0", port: 5432 });
    expect(
      databaseEndpoint(deploy({ databaseUrl: EXTERNAL_URL, networkPolicyDatabaseCidr: "203.0.113.0/24" })),
    ).toEqual({ mode: "neon", cidr: "203.0.113.0/24", port: 6543 });
  });

  it("databaseUrlPort reads only the port, and its error never shows the URL", () => {
    expect(databaseUrlPort(EXTERNAL_URL)).toBe(6543);
    expect(databaseUrlPort("postgres://u:p@h/db")).toBe(5432);
    expect(() => databaseUrlPort("not a url Xq7pL2vR9sK4mT8w")).toThrow(/databaseUrl is not a URL/);
    expect(() => databaseUrlPort("not a url Xq7pL2vR9sK4mT8w")).not.toThrow(/Xq7pL2vR9sK4mT8w/);
  });

  it("isCidr accepts IPv4 and IPv6 CIDRs and nothing else", () => {
    for (const good of ["0.0.0.0/0", "203.0.113.0/24", "10.1.2.3/32", "::/0", "2001:db8::/32"]) {
      expect(isCidr(good), good).toBe(true);
    }
    for (const bad of ["0.0.0.0", "10.0.0.0/33", "256.0.0.0/8", "10.0.0.0/8/1", "::/129", "example.com/24", "/0"]) {
      expect(isCidr(bad), bad).toBe(false);
    }
  });
});

// --- the program's values, rendered by real helm ------------------------------------------------

interface Scenario {
  id: string;
  config: ProgramConfig;
  secretKeys?: string[];
}
const SCENARIOS = {
  inCluster: { id: "in-cluster Postgres (defaults)", config: {} },
  external: {
    id: "external database on port 6543, narrowed CIDR, two extra namespaces",
    config: {
      databaseUrl: EXTERNAL_URL,
      networkPolicyDatabaseCidr: "10.20.0.0/16",
      networkPolicyAllowNamespaces: JSON.stringify(["ingress-nginx", "monitoring"]),
    },
    secretKeys: ["databaseUrl"],
  },
  off: { id: "networkPolicies false", config: { networkPolicies: "false" } },
} satisfies Record<string, Scenario>;

interface Release {
  name: string;
  namespace: string;
  chartDir: string;
  values: ChartValues & Record<string, unknown>;
}
const runs = new Map<string, ProgramRun>();
const renders = new Map<string, K8sObject[]>();
const tempDir = mkdtempSync(join(tmpdir(), "todo-network-policy-"));

function releasesOf(run: ProgramRun): Release[] {
  return run.report.resources
    .filter((resource) => resource.type === RELEASE_TYPE && resource.inputs.chart === LOCAL_CHART)
    .map((resource) => {
      const inputs = resource.inputs as { name: string; namespace: string; chart: string; values: Release["values"] };
      return {
        name: inputs.name,
        namespace: inputs.namespace,
        chartDir: resolve(REPO_ROOT, inputs.chart),
        values: inputs.values,
      };
    });
}

beforeAll(async () => {
  for (const scenario of Object.values(SCENARIOS) as Scenario[]) {
    const run = runProgram(stackConfig("dev", scenario.config), { secretKeys: scenario.secretKeys });
    if (run.exitCode !== 0 || !run.report.completed) {
      throw new Error(`program failed for ${scenario.id} (exit ${run.exitCode}):\n${run.stderr}\n${run.stdout}`);
    }
    runs.set(scenario.id, run);
    for (const release of releasesOf(run)) {
      for (const line of LINES) {
        const objects = parseManifests(await renderRelease(release, helmBinary(line))).map((item) => item.object);
        renders.set(`${scenario.id}|${line}|${release.values.component}`, objects);
      }
    }
  }
}, 300_000);

afterAll(() => rmSync(tempDir, { recursive: true, force: true }));

const rendered = (scenario: Scenario, line: HelmLine, component: "backend" | "frontend") =>
  renders.get(`${scenario.id}|${line}|${component}`) as K8sObject[];
const named = (objects: K8sObject[], kind: string, name: string) => {
  const found = objects.filter((object) => object.kind === kind && object.metadata.name === name);
  expect(found.map(objectKey), `${kind}/${name}`).toHaveLength(1);
  return found[0] as K8sObject;
};
const podLabels = (object: K8sObject) =>
  (object.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels;
const policiesOf = (run: ProgramRun) =>
  run.report.resources.filter((resource) => resource.type === NETWORK_POLICY_TYPE);

describe.each(LINES)("helm %s: the program's NetworkPolicies", (line) => {
  describe(SCENARIOS.inCluster.id, () => {
    const scenario = SCENARIOS.inCluster;
    const backend = () => rendered(scenario, line, "backend");
    const frontend = () => rendered(scenario, line, "frontend");

    it("backend: in only from the frontend's pods on 8080; out only to the DNS and the Postgres pods on 5432", () => {
      expect(named(backend(), "NetworkPolicy", "todo-backend").spec).toEqual({
        podSelector: { matchLabels: BACKEND },
        policyTypes: ["Ingress", "Egress"],
        ingress: [{ ports: [{ protocol: "TCP", port: 8080 }], from: [{ podSelector: { matchLabels: FRONTEND } }] }],
        egress: [
          DNS_RULE,
          { to: [{ podSelector: { matchLabels: POSTGRES_POD_LABELS } }], ports: [{ protocol: "TCP", port: 5432 }] },
        ],
      });
    });

    it("migration Job: nothing in; out only to the DNS and the Postgres pods on 5432", () => {
      expect(named(backend(), "NetworkPolicy", "todo-backend-migrate").spec).toEqual({
        podSelector: { matchLabels: MIGRATION },
        policyTypes: ["Ingress", "Egress"],
        ingress: [],
        egress: [
          DNS_RULE,
          { to: [{ podSelector: { matchLabels: POSTGRES_POD_LABELS } }], ports: [{ protocol: "TCP", port: 5432 }] },
        ],
      });
    });

    it("frontend: in from anywhere on 8080 (NodePort, Ingress); out only to the DNS and the backend's pods on 8080", () => {
      expect(named(frontend(), "NetworkPolicy", "todo-frontend").spec).toEqual({
        podSelector: { matchLabels: FRONTEND },
        policyTypes: ["Ingress", "Egress"],
        ingress: [{ ports: [{ protocol: "TCP", port: 8080 }] }],
        egress: [
          DNS_RULE,
          { to: [{ podSelector: { matchLabels: BACKEND } }], ports: [{ protocol: "TCP", port: 8080 }] },
        ],
      });
    });

    it("the peers are the real pods: labels and ports line up across both releases and the Postgres StatefulSet", () => {
      const backendPods = podLabels(named(backend(), "Deployment", "todo-backend"));
      const jobPods = podLabels(named(backend(), "Job", "todo-backend-migrate"));
      const frontendPods = podLabels(named(frontend(), "Deployment", "todo-frontend"));
      const run = runs.get(scenario.id) as ProgramRun;
      const postgres = run.report.resources.find((resource) => resource.type === "kubernetes:apps/v1:StatefulSet");
      const postgresPods = podLabels(postgres?.inputs as unknown as K8sObject);
      const includes = (labels: Record<string, string>, selector: Record<string, string>) =>
        Object.entries(selector).every(([key, value]) => labels[key] === value);
      expect(includes(frontendPods, FRONTEND)).toBe(true);
      expect(includes(backendPods, BACKEND)).toBe(true);
      expect(includes(jobPods, MIGRATION)).toBe(true);
      expect(includes(postgresPods, POSTGRES_POD_LABELS)).toBe(true);
      // Nothing else in the namespace carries the backend's selector: the Job is not a backend pod.
      expect(includes(jobPods, BACKEND)).toBe(false);
      const [container] = (
        named(backend(), "Deployment", "todo-backend").spec as {
          template: { spec: { containers: { ports: { containerPort: number }[] }[] } };
        }
      ).template.spec.containers;
      expect(container?.ports.map((port) => port.containerPort)).toEqual([8080]);
    });

    it("every rendered object stays schema-valid and every pod passes Pod Security restricted", () => {
      const objects = [...backend(), ...frontend()];
      for (const object of objects) {
        expect(schemaErrors(object), objectKey(object)).toEqual([]);
        expect(checkRestricted(object), objectKey(object)).toEqual([]);
      }
      expect(unknownFieldErrors(objects.filter((object) => object.kind === "NetworkPolicy"))).toEqual([]);
    });
  });

  describe(SCENARIOS.external.id, () => {
    const scenario = SCENARIOS.external;

    it("backend and its Job reach the configured CIDR on the URL's port, and no Postgres pod", () => {
      for (const name of ["todo-backend", "todo-backend-migrate"]) {
        const spec = named(rendered(scenario, line, "backend"), "NetworkPolicy", name).spec as { egress: unknown[] };
        expect(spec.egress, name).toEqual([
          DNS_RULE,
          { to: [{ ipBlock: { cidr: "10.20.0.0/16" } }], ports: [{ protocol: "TCP", port: 6543 }] },
        ]);
      }
    });

    it("allowNamespaces adds one namespaceSelector peer per namespace to the backend's ingress", () => {
      const spec = named(rendered(scenario, line, "backend"), "NetworkPolicy", "todo-backend").spec as {
        ingress: unknown[];
      };
      expect(spec.ingress).toEqual([
        {
          ports: [{ protocol: "TCP", port: 8080 }],
          from: [
            { podSelector: { matchLabels: FRONTEND } },
            { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } } },
            { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } },
          ],
        },
      ]);
    });

    it("every rendered object stays schema-valid and every pod passes Pod Security restricted", () => {
      for (const object of [...rendered(scenario, line, "backend"), ...rendered(scenario, line, "frontend")]) {
        expect(schemaErrors(object), objectKey(object)).toEqual([]);
        expect(checkRestricted(object), objectKey(object)).toEqual([]);
      }
    });
  });

  it("networkPolicies false: neither release renders a NetworkPolicy", () => {
    for (const component of ["backend", "frontend"] as const) {
      const kinds = rendered(SCENARIOS.off, line, component).map((object) => object.kind);
      expect(kinds, component).not.toContain("NetworkPolicy");
      expect(kinds, component).toContain("Deployment");
    }
  });
});

describe("the program's NetworkPolicy resources and values under mocks", () => {
  it("in-cluster: a NetworkPolicy todo-postgres, child of the database, that the backend release waits for", () => {
    const run = runs.get(SCENARIOS.inCluster.id) as ProgramRun;
    const [policy, ...others] = policiesOf(run);
    expect(others).toEqual([]);
    expect(policy?.name).toBe("database-postgres");
    expect(policy?.parent).toContain("TodoDatabase");
    expect(policy?.inputs.metadata).toMatchObject({ name: "todo-postgres", namespace: "todo-dev" });
    expect(policy?.inputs.spec).toEqual(
      postgresNetworkPolicySpec({
        postgresLabels: POSTGRES_POD_LABELS,
        backendReleaseName: "todo-backend",
        port: 5432,
      }),
    );
    const backend = run.report.resources.find(
      (resource) => resource.type === RELEASE_TYPE && resource.name === "backend",
    );
    expect(backend?.dependencies).toContain(policy?.urn);
  });

  it("an external database or the switch off: no Postgres NetworkPolicy", () => {
    expect(policiesOf(runs.get(SCENARIOS.external.id) as ProgramRun)).toEqual([]);
    expect(policiesOf(runs.get(SCENARIOS.off.id) as ProgramRun)).toEqual([]);
  });

  it("the releases get the values appNetworkPolicies computes, and the switch off gives both enabled false", () => {
    const values = (run: ProgramRun) =>
      Object.fromEntries(releasesOf(run).map((release) => [release.values.component, release.values.networkPolicy]));
    expect(values(runs.get(SCENARIOS.inCluster.id) as ProgramRun)).toEqual(
      appNetworkPolicies({
        enabled: true,
        releaseNames: { backend: "todo-backend", frontend: "todo-frontend" },
        backendPort: 8080,
        allowNamespaces: [],
        database: { mode: "in-cluster", podLabels: POSTGRES_POD_LABELS, port: 5432 },
      }),
    );
    const off = values(runs.get(SCENARIOS.off.id) as ProgramRun);
    expect([off.backend?.enabled, off.frontend?.enabled]).toEqual([false, false]);
  });

  it("an external database: only its port reaches the Helm values, never the URL or its host", () => {
    const run = runs.get(SCENARIOS.external.id) as ProgramRun;
    for (const release of releasesOf(run)) {
      const text = JSON.stringify(release.values);
      expect(text, release.name).not.toContain(EXTERNAL_HOST);
      expect(text, release.name).not.toContain("postgresql://");
    }
    const backend = releasesOf(run).find((release) => release.values.component === "backend");
    expect(backend?.values.networkPolicy.egressToCidrs).toEqual([{ cidr: "10.20.0.0/16", port: 6543 }]);
  });
});

// --- the chart on its own: values.schema.json and the no-source case -----------------------------

const backendValues = (networkPolicy: Partial<ChartNetworkPolicy> & Record<string, unknown>) => {
  const values = releaseValues({
    component: "backend",
    releaseName: "todo-backend",
    imageRef: "todo-backend:0123456789ab",
    pullPolicy: "Never",
    replicas: 2,
    databaseSecret: { name: "todo-database", key: "DATABASE_URL" },
    chartChecksum: "f".repeat(64),
  });
  return { ...values, networkPolicy: { ...values.networkPolicy, enabled: true, ...networkPolicy } };
};

async function template(line: HelmLine, values: Record<string, unknown>): Promise<string> {
  const file = join(tempDir, `values-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(values));
  return helm(line, ["template", "todo-backend", CHART_DIR, "--namespace", "todo-dev", "--values", file]);
}

describe.each(LINES)("helm %s: charts/todo-service networkPolicy on its own", (line) => {
  it("the chart's defaults render the policies (enabled: true), with only the DNS allowed out", async () => {
    const objects = parseManifests(await helm(line, ["template", "t", CHART_DIR])).map((item) => item.object);
    const policy = named(objects, "NetworkPolicy", "t");
    expect((policy.spec as { egress: unknown[] }).egress).toEqual([DNS_RULE]);
  });

  it("a backend with no source listed lets nothing in (`ingress: []`, never an empty `from`)", async () => {
    const objects = parseManifests(await template(line, backendValues({}))).map((item) => item.object);
    expect((named(objects, "NetworkPolicy", "todo-backend").spec as { ingress: unknown }).ingress).toEqual([]);
  });

  const refused: [string, Record<string, unknown>, RegExp][] = [
    ["a namespace name that is no DNS label", { allowNamespaces: ["Ingress_Nginx"] }, /allowNamespaces/],
    ["a namespace listed twice", { allowNamespaces: ["monitoring", "monitoring"] }, /allowNamespaces/],
    ["an unknown key", { allowedNamespaces: ["monitoring"] }, /allowedNamespaces/],
    ["an empty pod label set (would select every pod)", { ingressFrom: [{}] }, /ingressFrom/],
    ["a CIDR with a prefix past 32", { egressToCidrs: [{ cidr: "10.0.0.0/33", port: 5432 }] }, /egressToCidrs/],
    ["a port out of range", { egressToPods: [{ podLabels: { app: "pg" }, port: 70000 }] }, /egressToPods/],
  ];
  it.each(refused)("values.schema.json refuses %s, naming the key", async (_name, networkPolicy, key) => {
    await expect(template(line, backendValues(networkPolicy))).rejects.toThrow(key);
  });
});
