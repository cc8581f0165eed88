// The chart as the program installs it: run index.ts under mocks, take the EXACT values, chart
// path, name and namespace of each Helm Release it registers, render them with real `helm
// template` on helm 3 and helm 4, and check every object against the Kubernetes schemas, Pod
// Security "restricted" and the chart's promises (probes, hook, labels, Secret by name, …).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { specialSigKey, unknownValue } from "@pulumi/pulumi/runtime/rpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { chartChecksum } from "../../components/chart";
import { releaseValues } from "../../components/release-values";
import { renderRelease } from "../../scripts/manifest-diff/render";
import { HELM_LINES, type HelmLine, helm, helmBinary } from "../support/helm";
import {
  type K8sObject,
  objectKey,
  parseManifests,
  type RenderedObject,
  schemaErrors,
  unknownFieldErrors,
} from "./support/k8s-validate";
import { checkRestricted, checkRestrictedPod, type PodSpecLike, type PodTemplateLike } from "./support/pod-security";
import { type ProgramConfig, type ProgramRun, REPO_ROOT, runProgram } from "./support/run-program";

const RELEASE_TYPE = "kubernetes:helm.sh/v3:Release";
/** The chart path as the Release gets it (components/chart.ts CHART_PATH); kagent's releases use remote charts. */
const LOCAL_CHART = "./charts/todo-service";
const NEON_URL =
  "postgresql://todo:not-a-real-password@ep-cool-1-pooler.eu-central-1.aws.neon.tech/todo?sslmode=require";
const LINES = Object.keys(HELM_LINES) as HelmLine[];

interface Scenario {
  id: string;
  config: ProgramConfig;
  secretKeys?: string[];
  /** What the config should produce, so the assertions below read from here rather than repeat it. */
  expect: { backendReplicas: number; frontendReplicas: number; ingressHost?: string };
}

const SCENARIOS: Scenario[] = [
  { id: "dev, in-cluster database", config: {}, expect: { backendReplicas: 2, frontendReplicas: 2 } },
  {
    id: "dev, Neon database",
    config: { databaseUrl: NEON_URL },
    secretKeys: ["databaseUrl"],
    expect: { backendReplicas: 2, frontendReplicas: 2 },
  },
  {
    id: "dev, ingress host and one backend replica",
    config: { ingressHost: "todo.local", backendReplicas: "1" },
    expect: { backendReplicas: 1, frontendReplicas: 2, ingressHost: "todo.local" },
  },
];

/** A Helm Release as the program registered it. */
interface ProgramRelease {
  name: string;
  namespace: string;
  chartDir: string;
  values: Record<string, unknown> & { component: "backend" | "frontend"; replicaCount: number };
}

interface Rendered {
  release: ProgramRelease;
  manifest: string;
  objects: RenderedObject[];
}

const runs = new Map<string, ProgramRun>();
const renders = new Map<string, Rendered>();
const renderKey = (scenario: Scenario, line: HelmLine, component: string) => `${scenario.id}|${line}|${component}`;
const tempDir = mkdtempSync(join(tmpdir(), "todo-chart-render-"));

function releasesOf(run: ProgramRun): ProgramRelease[] {
  return run.report.resources
    .filter((resource) => resource.type === RELEASE_TYPE && resource.inputs.chart === LOCAL_CHART)
    .map((resource) => {
      const inputs = resource.inputs as Record<string, unknown>;
      const values = inputs.values as ProgramRelease["values"];
      if (typeof inputs.chart !== "string" || typeof inputs.name !== "string" || typeof inputs.namespace !== "string") {
        throw new Error(`Release ${resource.name}: chart/name/namespace are not plain strings`);
      }
      return { name: inputs.name, namespace: inputs.namespace, chartDir: resolve(REPO_ROOT, inputs.chart), values };
    });
}

function rendered(scenario: Scenario, line: HelmLine, component: "backend" | "frontend"): Rendered {
  const found = renders.get(renderKey(scenario, line, component));
  if (!found) throw new Error(`no render for ${renderKey(scenario, line, component)}`);
  return found;
}

function databaseSecretName(run: ProgramRun): string {
  const secret = run.report.resources.find(
    (resource) =>
      resource.type === "kubernetes:core/v1:Secret" &&
      JSON.stringify(resource.inputs).includes('"DATABASE_URL"') &&
      (resource.inputs as { metadata?: { name?: string } }).metadata?.name,
  );
  const name = (secret?.inputs as { metadata?: { name?: string } } | undefined)?.metadata?.name;
  if (!name) throw new Error("the program registered no Secret holding DATABASE_URL");
  return name;
}

beforeAll(async () => {
  for (const scenario of SCENARIOS) {
    const run = runProgram(scenario.config, { secretKeys: scenario.secretKeys });
    if (run.exitCode !== 0 || !run.report.completed) {
      throw new Error(`program failed for ${scenario.id} (exit ${run.exitCode}):\n${run.stderr}\n${run.stdout}`);
    }
    runs.set(scenario.id, run);
    for (const release of releasesOf(run)) {
      for (const line of LINES) {
        const manifest = await renderRelease(release, helmBinary(line));
        renders.set(renderKey(scenario, line, release.values.component), {
          release,
          manifest,
          objects: parseManifests(manifest),
        });
      }
    }
  }
}, 300_000);

afterAll(() => rmSync(tempDir, { recursive: true, force: true }));

// --- small readers over rendered objects ---------------------------------------------------------

const ofKind = (render: Rendered, kind: string): K8sObject[] =>
  render.objects.map((item) => item.object).filter((object) => object.kind === kind);

function onlyOne(render: Rendered, kind: string): K8sObject {
  const found = ofKind(render, kind);
  expect(found.map(objectKey), `exactly one ${kind}`).toHaveLength(1);
  return found[0] as K8sObject;
}

interface ContainerShape {
  name: string;
  image: string;
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  ports?: { name?: string; containerPort: number }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  securityContext?: { readOnlyRootFilesystem?: boolean };
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodTemplate {
  metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
  spec: Omit<PodSpecLike, "containers" | "initContainers" | "volumes"> & {
    containers: ContainerShape[];
    initContainers?: ContainerShape[];
    volumes?: ({ name: string } & Record<string, unknown>)[];
    automountServiceAccountToken?: boolean;
    serviceAccountName?: string;
    topologySpreadConstraints?: {
      whenUnsatisfiable: string;
      labelSelector?: { matchLabels?: Record<string, string> };
    }[];
  };
}
const templateOf = (object: K8sObject) => (object.spec as { template: PodTemplate }).template;
const allContainers = (template: PodTemplate) => [...template.spec.containers, ...(template.spec.initContainers ?? [])];
const workloads = (render: Rendered) =>
  render.objects.map((item) => item.object).filter((o) => "spec" in o && (o.spec as { template?: unknown }).template);

function matches(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  return Boolean(selector) && Object.entries(selector ?? {}).every(([key, value]) => labels[key] === value);
}

// --- the checkers themselves can fail ------------------------------------------------------------

describe("Pod Security restricted checker (pure)", () => {
  const compliant = (): PodTemplateLike => ({
    spec: {
      securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } },
      containers: [
        {
          name: "app",
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
          ports: [{ hostPort: 0 }],
        },
      ],
      volumes: [
        { name: "tmp", emptyDir: {} },
        { name: "cfg", configMap: { name: "x" } },
      ],
    },
  });
  type Mutation = (
    pod: PodTemplateLike & { spec: PodSpecLike & { containers: NonNullable<PodSpecLike["containers"]> } },
  ) => void;
  const container = (pod: Parameters<Mutation>[0]) => {
    const first = pod.spec.containers[0];
    if (!first) throw new Error("no container");
    first.securityContext ??= {};
    return first.securityContext;
  };

  it("accepts a compliant pod, and one that sets runAsNonRoot and seccomp per container only", () => {
    expect(checkRestrictedPod(compliant())).toEqual([]);
    const perContainer = compliant();
    perContainer.spec = { ...perContainer.spec, securityContext: {} };
    const first = perContainer.spec?.containers?.[0];
    if (!first?.securityContext) throw new Error("no container");
    first.securityContext = {
      ...first.securityContext,
      runAsNonRoot: true,
      seccompProfile: { type: "Localhost" },
      capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] },
    };
    expect(checkRestrictedPod(perContainer)).toEqual([]);
  });

  const cases: [string, Mutation, string[]][] = [
    ["hostNetwork", (pod) => Object.assign(pod.spec, { hostNetwork: true }), ["hostNamespaces"]],
    ["hostPID", (pod) => Object.assign(pod.spec, { hostPID: true }), ["hostNamespaces"]],
    ["hostIPC", (pod) => Object.assign(pod.spec, { hostIPC: true }), ["hostNamespaces"]],
    ["privileged container", (pod) => Object.assign(container(pod), { privileged: true }), ["privileged"]],
    [
      "Windows host process",
      (pod) => Object.assign(container(pod), { windowsOptions: { hostProcess: true } }),
      ["hostProcess"],
    ],
    [
      "hostPath volume",
      (pod) => pod.spec.volumes?.push({ name: "host", hostPath: { path: "/" } }),
      ["hostPathVolumes", "restrictedVolumes"],
    ],
    [
      "nfs volume",
      (pod) => pod.spec.volumes?.push({ name: "n", nfs: { server: "x", path: "/" } }),
      ["restrictedVolumes"],
    ],
    ["hostPort", (pod) => Object.assign(pod.spec.containers[0] ?? {}, { ports: [{ hostPort: 80 }] }), ["hostPorts"]],
    [
      "AppArmor unconfined field",
      (pod) => Object.assign(container(pod), { appArmorProfile: { type: "Unconfined" } }),
      ["appArmorProfile"],
    ],
    [
      "AppArmor unconfined annotation",
      (pod) => {
        pod.metadata = { annotations: { "container.apparmor.security.beta.kubernetes.io/app": "unconfined" } };
      },
      ["appArmorProfile"],
    ],
    [
      "SELinux type spc_t",
      (pod) => Object.assign(container(pod), { seLinuxOptions: { type: "spc_t" } }),
      ["seLinuxOptions"],
    ],
    ["procMount Unmasked", (pod) => Object.assign(container(pod), { procMount: "Unmasked" }), ["procMount"]],
    [
      "unsafe sysctl",
      (pod) => Object.assign(pod.spec.securityContext ?? {}, { sysctls: [{ name: "kernel.msgmax", value: "1" }] }),
      ["sysctls"],
    ],
    [
      "allowPrivilegeEscalation unset",
      (pod) => {
        delete container(pod).allowPrivilegeEscalation;
      },
      ["allowPrivilegeEscalation"],
    ],
    [
      "allowPrivilegeEscalation true",
      (pod) => Object.assign(container(pod), { allowPrivilegeEscalation: true }),
      ["allowPrivilegeEscalation"],
    ],
    [
      "runAsNonRoot unset everywhere",
      (pod) => {
        delete pod.spec.securityContext?.runAsNonRoot;
      },
      ["runAsNonRoot"],
    ],
    ["container runAsNonRoot false", (pod) => Object.assign(container(pod), { runAsNonRoot: false }), ["runAsNonRoot"]],
    ["runAsUser 0", (pod) => Object.assign(container(pod), { runAsUser: 0 }), ["runAsUser"]],
    [
      "pod seccomp Unconfined",
      (pod) => Object.assign(pod.spec.securityContext ?? {}, { seccompProfile: { type: "Unconfined" } }),
      ["seccompProfile_restricted"],
    ],
    [
      "seccomp unset everywhere",
      (pod) => {
        delete pod.spec.securityContext?.seccompProfile;
      },
      ["seccompProfile_restricted"],
    ],
    [
      "container seccomp Unconfined",
      (pod) => Object.assign(container(pod), { seccompProfile: { type: "Unconfined" } }),
      ["seccompProfile_restricted"],
    ],
    [
      "capabilities not dropped",
      (pod) => Object.assign(container(pod), { capabilities: { drop: ["NET_RAW"] } }),
      ["capabilities_restricted"],
    ],
    [
      "SYS_ADMIN added",
      (pod) => Object.assign(container(pod), { capabilities: { drop: ["ALL"], add: ["SYS_ADMIN"] } }),
      ["capabilities_restricted"],
    ],
    [
      "init container without a security context",
      (pod) => Object.assign(pod.spec, { initContainers: [{ name: "init" }] }),
      ["allowPrivilegeEscalation", "capabilities_restricted"],
    ],
  ];

  it.each(cases)("refuses a pod with %s", (_name, mutate, rules) => {
    const pod = compliant() as Parameters<Mutation>[0];
    mutate(pod);
    const violations = checkRestrictedPod(pod);
    expect([...new Set(violations.map((violation) => violation.rule))].sort()).toEqual([...rules].sort());
  });

  it("finds the pod template in workloads and names the field path; objects without pods pass", () => {
    const pod = compliant();
    Object.assign(pod.spec?.containers?.[0]?.securityContext ?? {}, { privileged: true });
    const deployment = { kind: "Deployment", spec: { template: pod } };
    const cronJob = { kind: "CronJob", spec: { jobTemplate: { spec: { template: pod } } } };
    expect(checkRestricted(deployment)).toEqual([
      {
        rule: "privileged",
        path: "spec.template.spec.containers[0].securityContext.privileged",
        message: "privileged containers are forbidden",
      },
    ]);
    expect(checkRestricted(cronJob)[0]?.path).toBe(
      "spec.jobTemplate.spec.template.spec.containers[0].securityContext.privileged",
    );
    expect(checkRestricted({ kind: "Service", spec: {} })).toEqual([]);
  });
});

describe("Kubernetes schema validation helpers", () => {
  const deployment = (container: Record<string, unknown>): K8sObject => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "x" },
    spec: { selector: { matchLabels: { a: "b" } }, template: { spec: { containers: [container] } } },
  });

  it("schemaErrors accepts a valid object and names a wrong type, a missing field, an unknown kind and a beta API", () => {
    expect(schemaErrors(deployment({ name: "c", image: "i" }))).toEqual([]);
    expect(schemaErrors(deployment({ name: "c", ports: [{ containerPort: "80" }] })).join()).toMatch(
      /containerPort must be integer/,
    );
    expect(schemaErrors(deployment({ image: "i" })).join()).toMatch(/containers\/0 must have required property name/);
    expect(schemaErrors({ apiVersion: "v1", kind: "Widget", metadata: { name: "x" } })).toEqual([
      "no Kubernetes schema for v1 Widget (kubernetes-models has no kubernetes-models/v1/Widget)",
    ]);
    expect(
      schemaErrors({ apiVersion: "policy/v1beta1", kind: "PodDisruptionBudget", metadata: { name: "x" } }),
    ).toEqual(["PodDisruptionBudget/x: pre-GA API version policy/v1beta1; use the GA version of PodDisruptionBudget"]);
  });

  it("unknownFieldErrors names a misspelled field the JSON schema lets through", () => {
    const typo = deployment({ name: "c", image: "i", readinesProbe: {} });
    expect(schemaErrors(typo)).toEqual([]);
    const errors = unknownFieldErrors([deployment({ name: "c", image: "i" }), typo]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^Deployment\/x: .*'"readinesProbe"' does not exist in type 'IContainer'/);
  });
});

// --- the program's releases, rendered --------------------------------------------------------------

describe.each(SCENARIOS)("program under mocks: $id", (scenario) => {
  const run = () => runs.get(scenario.id) as ProgramRun;

  it("registers two Helm releases of the local chart in the stack namespace with exactly these values", () => {
    const releases = releasesOf(run());
    expect(releases.map((release) => [release.name, release.values.component])).toEqual([
      ["todo-backend", "backend"],
      ["todo-frontend", "frontend"],
    ]);
    for (const release of releases) {
      expect(release.chartDir).toBe(join(REPO_ROOT, "charts", "todo-service"));
      expect(release.namespace).toBe("todo-dev");
      // The values are plain data: nothing secret-wrapped or unknown reached Helm.
      expect(JSON.stringify(release.values)).not.toContain(specialSigKey);
      expect(JSON.stringify(release.values)).not.toContain(unknownValue);
    }
    expect(releases.map((release) => release.values.replicaCount)).toEqual([
      scenario.expect.backendReplicas,
      scenario.expect.frontendReplicas,
    ]);
  });

  it('the stack namespace enforces Pod Security "restricted", so every pod below must pass it', () => {
    const namespaces = run().report.resources.filter(
      (resource) => resource.type === "kubernetes:core/v1:Namespace" && resource.name === "namespace",
    );
    expect(namespaces).toHaveLength(1);
    const metadata = (namespaces[0]?.inputs.metadata ?? {}) as { name?: string; labels?: Record<string, string> };
    expect(metadata.name).toBe("todo-dev");
    expect(metadata.labels?.["pod-security.kubernetes.io/enforce"]).toBe("restricted");
  });

  it.each(LINES)("helm %s: lint --strict is clean with each release's values", async (line) => {
    for (const release of releasesOf(run())) {
      const valuesFile = join(tempDir, `lint-${line}-${release.name}-${Math.random().toString(36).slice(2)}.json`);
      writeFileSync(valuesFile, JSON.stringify(release.values));
      const output = await helm(line, [
        "lint",
        "--strict",
        release.chartDir,
        "--values",
        valuesFile,
        "--namespace",
        release.namespace,
      ]);
      expect(output).toContain("1 chart(s) linted, 0 chart(s) failed");
      expect(output).not.toMatch(/\[(WARNING|ERROR)\]/);
    }
  });

  describe.each(LINES)("helm %s template", (line) => {
    const both = () => [rendered(scenario, line, "backend"), rendered(scenario, line, "frontend")];

    it("renders the expected kinds, and no Secret (the database Secret is a Pulumi resource, not a chart object)", () => {
      const kinds = (render: Rendered) => render.objects.map((item) => item.object.kind).sort();
      const [backend, frontend] = both() as [Rendered, Rendered];
      const optional = (enabled: boolean, kind: string) => (enabled ? [kind] : []);
      expect(kinds(backend)).toEqual(
        [
          "ConfigMap",
          // The migration key the release records (migration-record.yaml).
          "ConfigMap",
          "Deployment",
          "Job",
          // The service's pods and the migration Job's pods (networkpolicy.yaml).
          "NetworkPolicy",
          "NetworkPolicy",
          "Service",
          "ServiceAccount",
          ...optional(scenario.expect.backendReplicas > 1, "PodDisruptionBudget"),
        ].sort(),
      );
      expect(kinds(frontend)).toEqual(
        [
          "ConfigMap",
          "Deployment",
          "NetworkPolicy",
          "Service",
          "ServiceAccount",
          ...optional(scenario.expect.frontendReplicas > 1, "PodDisruptionBudget"),
          ...optional(Boolean(scenario.expect.ingressHost), "Ingress"),
        ].sort(),
      );
    });

    it("every object is valid against the Kubernetes schemas", () => {
      for (const render of both()) {
        for (const { object } of render.objects) expect(schemaErrors(object), objectKey(object)).toEqual([]);
      }
    });

    it('every pod passes Pod Security "restricted"', () => {
      const checked = both().flatMap((render) => workloads(render));
      expect(checked.map(objectKey).sort()).toEqual(
        ["Deployment/todo-backend", "Deployment/todo-frontend", "Job/todo-backend-migrate"].sort(),
      );
      for (const object of checked) expect(checkRestricted(object), objectKey(object)).toEqual([]);
    });

    it("probes: liveness /healthz and readiness /readyz on both", () => {
      const probes = (render: Rendered) => {
        const [container] = templateOf(onlyOne(render, "Deployment")).spec.containers;
        return [container?.livenessProbe?.httpGet, container?.readinessProbe?.httpGet];
      };
      const [backend, frontend] = both() as [Rendered, Rendered];
      expect(probes(backend)).toEqual([
        { path: "/healthz", port: "http" },
        { path: "/readyz", port: "http" },
      ]);
      expect(probes(frontend)).toEqual([
        { path: "/healthz", port: "http" },
        { path: "/readyz", port: "http" },
      ]);
    });

    it("every container has cpu and memory requests and limits, a read-only root fs and an emptyDir /tmp", () => {
      for (const object of both().flatMap(workloads)) {
        const template = templateOf(object);
        for (const container of allContainers(template)) {
          const where = `${objectKey(object)} ${container.name}`;
          for (const side of ["requests", "limits"] as const) {
            expect(Object.keys(container.resources?.[side] ?? {}).sort(), `${where} ${side}`).toEqual([
              "cpu",
              "memory",
            ]);
          }
          expect(container.securityContext?.readOnlyRootFilesystem, where).toBe(true);
          const tmp = container.volumeMounts?.find((mount) => mount.mountPath === "/tmp");
          const volume = template.spec.volumes?.find((candidate) => candidate.name === tmp?.name);
          expect(volume && "emptyDir" in volume, `${where}: /tmp is an emptyDir`).toBe(true);
        }
      }
    });

    it("Deployments: replicas from config, maxUnavailable 0, soft topology spread over their own pods", () => {
      const [backend, frontend] = both() as [Rendered, Rendered];
      const replicas = [backend, frontend].map(
        (render) => (onlyOne(render, "Deployment").spec as { replicas: number }).replicas,
      );
      expect(replicas).toEqual([scenario.expect.backendReplicas, scenario.expect.frontendReplicas]);
      for (const render of [backend, frontend]) {
        const deployment = onlyOne(render, "Deployment");
        const spec = deployment.spec as {
          strategy: { type: string; rollingUpdate: { maxUnavailable: number } };
          selector: { matchLabels: Record<string, string> };
        };
        expect(spec.strategy.type).toBe("RollingUpdate");
        expect(spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
        const template = templateOf(deployment);
        expect(matches(spec.selector.matchLabels, template.metadata.labels)).toBe(true);
        const spread = template.spec.topologySpreadConstraints ?? [];
        expect(spread.length).toBeGreaterThan(0);
        for (const constraint of spread) {
          expect(constraint.whenUnsatisfiable).toBe("ScheduleAnyway");
          expect(matches(constraint.labelSelector?.matchLabels, template.metadata.labels)).toBe(true);
        }
      }
    });

    it("ServiceAccount and every pod: no token automount; pods run as the chart's ServiceAccount", () => {
      for (const render of both()) {
        const account = onlyOne(render, "ServiceAccount");
        expect(account.automountServiceAccountToken).toBe(false);
        const deployment = templateOf(onlyOne(render, "Deployment"));
        expect(deployment.spec.serviceAccountName).toBe(account.metadata.name);
        for (const object of workloads(render)) {
          expect(templateOf(object).spec.automountServiceAccountToken, objectKey(object)).toBe(false);
        }
      }
    });

    it("PodDisruptionBudget only when replicas > 1, selecting the Deployment's pods", () => {
      for (const render of both()) {
        const replicas = render.release.values.replicaCount;
        const budgets = ofKind(render, "PodDisruptionBudget");
        expect(budgets.length, `${render.release.name} with ${replicas} replicas`).toBe(replicas > 1 ? 1 : 0);
        for (const budget of budgets) {
          const spec = budget.spec as { maxUnavailable: number; selector: { matchLabels: Record<string, string> } };
          expect(spec.maxUnavailable).toBe(1);
          expect(matches(spec.selector.matchLabels, templateOf(onlyOne(render, "Deployment")).metadata.labels)).toBe(
            true,
          );
        }
      }
    });

    it("migration Job: backend only, a pre-install,pre-upgrade hook running the backend image with `migrate`", () => {
      const [backend, frontend] = both() as [Rendered, Rendered];
      expect(ofKind(frontend, "Job")).toEqual([]);
      const job = onlyOne(backend, "Job");
      expect(job.metadata.annotations?.["helm.sh/hook"]).toBe("pre-install,pre-upgrade");
      const [container] = templateOf(job).spec.containers;
      const [app] = templateOf(onlyOne(backend, "Deployment")).spec.containers;
      expect(container?.args).toEqual(["migrate"]);
      expect(container?.image).toBe(app?.image);
      expect(container?.image).toBe((backend.release.values.image as { ref: string }).ref);
    });

    it("migration record: the backend's ConfigMap <release>-migrated holds the program's migration key, a sha256; the frontend has none", () => {
      const [backend, frontend] = both() as [Rendered, Rendered];
      const key = (backend.release.values.migration as { key: string }).key;
      expect(key).toMatch(/^[0-9a-f]{64}$/);
      const records = ofKind(backend, "ConfigMap").filter(
        (map) => map.metadata.name === `${backend.release.name}-migrated`,
      );
      expect(records.map((record) => record.data)).toEqual([{ key }]);
      expect(ofKind(frontend, "ConfigMap").map((map) => map.metadata.name)).toEqual([frontend.release.name]);
    });

    it("DATABASE_URL reaches the backend and its Job only by secretKeyRef to the program's Secret, nowhere else", () => {
      const secretName = databaseSecretName(run());
      const [backend, frontend] = both() as [Rendered, Rendered];
      for (const object of workloads(backend)) {
        for (const container of allContainers(templateOf(object))) {
          const entries = (container.env ?? []).filter((entry) => entry.name === "DATABASE_URL");
          expect(entries, `${objectKey(object)} ${container.name}`).toEqual([
            { name: "DATABASE_URL", valueFrom: { secretKeyRef: { name: secretName, key: "DATABASE_URL" } } },
          ]);
          expect(container.envFrom?.some((source) => source.secretRef)).toBeFalsy();
        }
      }
      expect(frontend.manifest).not.toContain("DATABASE_URL");
      for (const render of both()) {
        for (const configMap of ofKind(render, "ConfigMap"))
          expect(Object.keys(configMap.data ?? {})).not.toContain("DATABASE_URL");
        // No connection string of any kind in the chart's output.
        expect(render.manifest).not.toMatch(/postgres(ql)?:\/\//);
      }
    });

    it("labels: app.kubernetes.io/* on every object, component per service and `migration` on the Job and its policy", () => {
      for (const render of both()) {
        const component = render.release.values.component;
        for (const { object } of render.objects) {
          const isMigration =
            object.kind === "Job" ||
            [`${render.release.name}-migrate`, `${render.release.name}-migrated`].includes(object.metadata.name);
          const labels = object.metadata.labels ?? {};
          expect(labels, objectKey(object)).toMatchObject({
            "app.kubernetes.io/name": "todo-service",
            "app.kubernetes.io/instance": render.release.name,
            "app.kubernetes.io/managed-by": "Helm",
            "app.kubernetes.io/part-of": "todo-platform",
            "app.kubernetes.io/component": isMigration ? "migration" : component,
          });
          expect(labels["app.kubernetes.io/version"], objectKey(object)).toMatch(/\S/);
        }
      }
    });

    it("Service: targets the container's named port and selects the Deployment's pods", () => {
      for (const render of both()) {
        const service = onlyOne(render, "Service");
        const spec = service.spec as {
          selector: Record<string, string>;
          ports: { port: number; targetPort: string }[];
        };
        const template = templateOf(onlyOne(render, "Deployment"));
        expect(matches(spec.selector, template.metadata.labels)).toBe(true);
        const portNames = template.spec.containers.flatMap((container) => container.ports?.map((port) => port.name));
        for (const port of spec.ports) expect(portNames).toContain(port.targetPort);
      }
    });

    it("NetworkPolicies: each selects the pods of exactly one workload of its release, Ingress and Egress", () => {
      for (const render of both()) {
        const policies = ofKind(render, "NetworkPolicy");
        expect(policies.length, render.release.name).toBe(workloads(render).length);
        const selected = policies.map((policy) => {
          const spec = policy.spec as { podSelector: { matchLabels: Record<string, string> }; policyTypes: string[] };
          expect(spec.policyTypes, objectKey(policy)).toEqual(["Ingress", "Egress"]);
          const owners = workloads(render).filter((object) =>
            matches(spec.podSelector.matchLabels, templateOf(object).metadata.labels),
          );
          expect(owners.map(objectKey), objectKey(policy)).toHaveLength(1);
          return objectKey(owners[0] as K8sObject);
        });
        expect(selected.sort()).toEqual(workloads(render).map(objectKey).sort());
      }
    });

    it("checksum annotations: the chart checksum on the Deployment and the ConfigMap checksum on the pods", () => {
      for (const render of both()) {
        const deployment = onlyOne(render, "Deployment");
        expect(deployment.metadata.annotations?.["todo-platform.dev/chart-checksum"]).toBe(chartChecksum());
        expect(templateOf(deployment).metadata.annotations?.["checksum/config"]).toMatch(/^[0-9a-f]{64}$/);
      }
    });

    it(
      scenario.expect.ingressHost
        ? `Ingress for ${scenario.expect.ingressHost} on the frontend Service's http port`
        : "no Ingress without ingressHost",
      () => {
        const [backend, frontend] = both() as [Rendered, Rendered];
        expect(ofKind(backend, "Ingress")).toEqual([]);
        const ingresses = ofKind(frontend, "Ingress");
        if (!scenario.expect.ingressHost) {
          expect(ingresses).toEqual([]);
          return;
        }
        expect(ingresses).toHaveLength(1);
        const spec = ingresses[0]?.spec as {
          ingressClassName: string;
          rules: {
            host: string;
            http: { paths: { path: string; backend: { service: { name: string; port: { name: string } } } }[] };
          }[];
        };
        expect(spec.ingressClassName).toBe("nginx");
        const service = onlyOne(frontend, "Service");
        expect(spec.rules).toEqual([
          {
            host: scenario.expect.ingressHost,
            http: {
              paths: [
                {
                  path: "/",
                  pathType: "Prefix",
                  backend: { service: { name: service.metadata.name, port: { name: "http" } } },
                },
              ],
            },
          },
        ]);
        expect((service.spec as { ports: { name: string }[] }).ports.map((port) => port.name)).toContain("http");
      },
    );
  });
});

describe("across all renders", () => {
  it("no rendered object has a field the Kubernetes API does not define (typed check, one compile)", () => {
    const unique = new Map<string, K8sObject>();
    for (const render of renders.values()) {
      for (const { object } of render.objects) unique.set(JSON.stringify(object), object);
    }
    expect(unique.size).toBeGreaterThan(10);
    expect(unknownFieldErrors([...unique.values()])).toEqual([]);
  });

  it("helm 3 and helm 4 render the same objects from the same values", () => {
    for (const scenario of SCENARIOS) {
      for (const component of ["backend", "frontend"] as const) {
        const [three, four] = LINES.map((line) =>
          rendered(scenario, line, component).objects.map((item) => item.object),
        );
        expect(four, `${scenario.id} ${component}`).toEqual(three);
      }
    }
  });

  it("the ConfigMap checksum on the pods changes with the plain env, so a config change rolls them", async () => {
    const frontend = rendered(SCENARIOS[0] as Scenario, "3", "frontend").release;
    const checksumOf = async (values: Record<string, unknown>) => {
      const objects = parseManifests(await renderRelease({ ...frontend, values }, helmBinary("3")));
      const deployment = objects.find((item) => item.object.kind === "Deployment")?.object as K8sObject;
      return templateOf(deployment).metadata.annotations?.["checksum/config"];
    };
    const original = await checksumOf(frontend.values);
    expect(await checksumOf({ ...frontend.values })).toBe(original);
    expect(await checksumOf({ ...frontend.values, env: { BACKEND_URL: "http://elsewhere:80" } })).not.toBe(original);
  });

  it("a new database Secret version changes only the backend pod template's version annotation, so it rolls the pods", async () => {
    // Under mocks the Secret has no resourceVersion, so the program's values carry none; render the
    // same inputs through releaseValues() with two versions, as a real `pulumi up` would after a rotation.
    const program = rendered(SCENARIOS[1] as Scenario, "3", "backend").release;
    const podTemplate = async (version: string) => {
      const values = releaseValues({
        component: "backend",
        releaseName: program.name,
        imageRef: (program.values.image as { ref: string }).ref,
        pullPolicy: (program.values.image as { pullPolicy: "Never" }).pullPolicy,
        replicas: program.values.replicaCount,
        databaseSecret: { name: "todo-database", key: "DATABASE_URL", version },
        chartChecksum: chartChecksum(),
      });
      const objects = parseManifests(await renderRelease({ ...program, values: { ...values } }, helmBinary("3")));
      return templateOf(objects.find((item) => item.object.kind === "Deployment")?.object as K8sObject);
    };
    const [before, after] = [await podTemplate("101"), await podTemplate("102")];
    expect(before.metadata.annotations?.["todo-platform.dev/database-secret-version"]).toBe("101");
    expect(after.metadata.annotations?.["todo-platform.dev/database-secret-version"]).toBe("102");
    const withoutVersion = (template: PodTemplate) => ({
      ...template,
      metadata: {
        ...template.metadata,
        annotations: { ...template.metadata.annotations, "todo-platform.dev/database-secret-version": "" },
      },
    });
    expect(withoutVersion(after)).toEqual(withoutVersion(before));
  });

  it("the in-cluster Postgres NetworkPolicy (a Pulumi resource) is schema-valid and selects the StatefulSet's pods", () => {
    const run = runs.get((SCENARIOS[0] as Scenario).id) as ProgramRun;
    const policies = run.report.resources.filter(
      (resource) => resource.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    );
    expect(policies.map((resource) => resource.name)).toEqual(["database-postgres"]);
    const object = { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", ...policies[0]?.inputs } as K8sObject;
    expect(schemaErrors(object)).toEqual([]);
    expect(unknownFieldErrors([object])).toEqual([]);
    const statefulSet = run.report.resources.find((resource) => resource.type === "kubernetes:apps/v1:StatefulSet");
    const podLabels = templateOf(statefulSet?.inputs as unknown as K8sObject).metadata.labels;
    expect(
      matches(
        (object.spec as { podSelector: { matchLabels: Record<string, string> } }).podSelector.matchLabels,
        podLabels,
      ),
    ).toBe(true);
  });

  it("the in-cluster Postgres StatefulSet (a Pulumi resource) is schema-valid and passes Pod Security restricted", () => {
    const run = runs.get((SCENARIOS[0] as Scenario).id) as ProgramRun;
    const statefulSets = run.report.resources.filter((resource) => resource.type === "kubernetes:apps/v1:StatefulSet");
    expect(statefulSets).toHaveLength(1);
    const object = statefulSets[0]?.inputs as unknown as K8sObject;
    expect(schemaErrors(object)).toEqual([]);
    expect(checkRestricted(object)).toEqual([]);
    expect(unknownFieldErrors([object])).toEqual([]);
  });
});
