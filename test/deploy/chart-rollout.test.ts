// Rollouts, restarts and pod deletions that drop no request (issue 15): the chart's preStop pause,
// grace period, drain settings, rolling-update strategy and probe timing, rendered by real helm 3
// and helm 4 from the values releaseValues() computes, checked against each other and against the
// apps' own keep-alive settings; and the values the schema or the chart refuse.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { CHART_PATH, chartChecksum } from "../../components/chart";
import { type ChartValues, releaseValues, SHUTDOWN, serviceUrl } from "../../components/release-values";
import { renderRelease } from "../../scripts/manifest-diff/render";
import { HELM_LINES, type HelmLine, helm, helmBinary } from "../support/helm";
import { type K8sObject, parseManifests, schemaErrors, unknownFieldErrors } from "./support/k8s-validate";
import { checkRestricted } from "./support/pod-security";
import { REPO_ROOT } from "./support/run-program";

const LINES = Object.keys(HELM_LINES) as HelmLine[];
const NAMESPACE = "todo-dev";
const CHART_DIR = join(REPO_ROOT, CHART_PATH);
const COMPONENTS = ["backend", "frontend"] as const;
type Component = (typeof COMPONENTS)[number];

function valuesOf(component: Component): ChartValues {
  return releaseValues({
    component,
    releaseName: `todo-${component}`,
    imageRef: `todo-${component}:test`,
    pullPolicy: "Never",
    replicas: 2,
    ...(component === "backend"
      ? { databaseSecret: { name: "todo-database", key: "DATABASE_URL" } }
      : { backendUrl: serviceUrl("todo-backend", NAMESPACE) }),
    chartChecksum: chartChecksum(),
  });
}

interface Probe {
  httpGet?: { path: string };
  periodSeconds?: number;
  timeoutSeconds?: number;
  failureThreshold?: number;
  successThreshold?: number;
}
interface Container {
  name: string;
  lifecycle?: { preStop?: Record<string, unknown> };
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
}
interface DeploymentSpec {
  minReadySeconds?: number;
  strategy: { type: string; rollingUpdate: { maxSurge: number | string; maxUnavailable: number | string } };
  template: { spec: { terminationGracePeriodSeconds?: number; containers: Container[] } };
}

interface Rendered {
  objects: K8sObject[];
  deployment: DeploymentSpec;
  container: Container;
  /** The ConfigMap the container reads its environment from. */
  env: Record<string, string>;
}

const renders = new Map<string, Rendered>();
const key = (line: HelmLine, component: Component) => `${line}|${component}`;
const tempDir = mkdtempSync(join(tmpdir(), "todo-chart-rollout-"));

async function render(line: HelmLine, values: Record<string, unknown>, name: string): Promise<Rendered> {
  const manifest = await renderRelease({ name, namespace: NAMESPACE, chartDir: CHART_DIR, values }, helmBinary(line));
  const objects = parseManifests(manifest).map((item) => item.object);
  const deployment = objects.find((object) => object.kind === "Deployment");
  const configMap = objects.find((object) => object.kind === "ConfigMap");
  if (!deployment || !configMap) throw new Error(`${name}: no Deployment or ConfigMap rendered`);
  const spec = deployment.spec as DeploymentSpec;
  const container = spec.template.spec.containers[0];
  if (!container) throw new Error(`${name}: no container`);
  return { objects, deployment: spec, container, env: (configMap.data ?? {}) as Record<string, string> };
}

function rendered(line: HelmLine, component: Component): Rendered {
  const found = renders.get(key(line, component));
  if (!found) throw new Error(`no render for ${key(line, component)}`);
  return found;
}

beforeAll(async () => {
  for (const line of LINES) {
    for (const component of COMPONENTS) {
      renders.set(key(line, component), await render(line, { ...valuesOf(component) }, `todo-${component}`));
    }
  }
}, 120_000);

afterAll(() => rmSync(tempDir, { recursive: true, force: true }));

describe.each(LINES)("helm %s: the releases' pods stop without dropping requests", (line) => {
  it.each(COMPONENTS)("%s: a preStop sleep of shutdown.preStopSeconds (5 s), no exec, no binary", (component) => {
    const { container } = rendered(line, component);
    expect(container.lifecycle).toEqual({ preStop: { sleep: { seconds: 5 } } });
    expect(SHUTDOWN.preStopSeconds).toBe(5);
  });

  it.each(COMPONENTS)(
    "%s: terminationGracePeriodSeconds > preStop + the app's shutdown timeout > its drain",
    (component) => {
      const { deployment, container, env } = rendered(line, component);
      // Read back from the rendered objects, so the inequality holds for what the kubelet gets.
      const grace = deployment.template.spec.terminationGracePeriodSeconds ?? 30;
      const preStop = Number((container.lifecycle?.preStop?.sleep as { seconds?: number } | undefined)?.seconds);
      const drainMs = Number(env.SHUTDOWN_DRAIN_MS);
      const timeoutMs = Number(env.SHUTDOWN_TIMEOUT_MS);
      expect([grace, preStop, drainMs, timeoutMs]).toEqual([25, 5, 5_000, 15_000]);
      expect(grace).toBeGreaterThan(preStop + timeoutMs / 1000);
      expect(timeoutMs).toBeGreaterThan(drainMs);
      expect(drainMs).toBeGreaterThan(0);
    },
  );

  it.each(COMPONENTS)("%s: rolling update with every new pod at once, never below the desired count", (component) => {
    const { deployment } = rendered(line, component);
    expect(deployment.strategy).toEqual({
      type: "RollingUpdate",
      rollingUpdate: { maxSurge: "100%", maxUnavailable: 0 },
    });
    expect(deployment.minReadySeconds).toBe(0);
  });

  it.each(COMPONENTS)(
    "%s: readiness every second (2 failures, 1 s timeout); liveness slower; startup every second",
    (component) => {
      const { container } = rendered(line, component);
      const timing = ({ periodSeconds, timeoutSeconds, failureThreshold }: Probe = {}) => ({
        periodSeconds,
        timeoutSeconds,
        failureThreshold,
      });
      expect(timing(container.readinessProbe)).toEqual({ periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 2 });
      expect(container.readinessProbe?.successThreshold).toBe(1);
      expect(timing(container.livenessProbe)).toEqual({ periodSeconds: 10, timeoutSeconds: 1, failureThreshold: 3 });
      expect(timing(container.startupProbe)).toEqual({ periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 60 });
      // Liveness must never be the faster trigger: a failure there restarts the container.
      const readiness = container.readinessProbe as Required<Probe>;
      const liveness = container.livenessProbe as Required<Probe>;
      expect(liveness.periodSeconds * liveness.failureThreshold).toBeGreaterThan(
        readiness.periodSeconds * readiness.failureThreshold,
      );
    },
  );

  it("the pods stay schema-valid, with no unknown field (preStop.sleep is API), and Pod Security restricted", () => {
    const objects = COMPONENTS.flatMap((component) => rendered(line, component).objects);
    for (const object of objects) expect(schemaErrors(object), object.kind).toEqual([]);
    expect(unknownFieldErrors(objects)).toEqual([]);
    for (const object of objects) expect(checkRestricted(object), object.kind).toEqual([]);
  });
});

describe("the apps' keep-alive settings fit the chart's drain", () => {
  it("backend keep-alive 65 s > frontend proxy's idle upstream socket 4 s < backend drain 5 s", async () => {
    // Loaded at run time (the apps are their own TypeScript projects, outside this one's tsconfig).
    const load = (path: string) => import(pathToFileURL(join(REPO_ROOT, path)).href);
    const { UPSTREAM_KEEP_ALIVE_MS } = (await load("app/frontend/server/app.ts")) as { UPSTREAM_KEEP_ALIVE_MS: number };
    const { KEEP_ALIVE_TIMEOUT_MS } = (await load("app/backend/src/app.ts")) as { KEEP_ALIVE_TIMEOUT_MS: number };
    expect([KEEP_ALIVE_TIMEOUT_MS, UPSTREAM_KEEP_ALIVE_MS]).toEqual([65_000, 4_000]);
    // The backend never closes an idle socket the proxy may still reuse…
    expect(KEEP_ALIVE_TIMEOUT_MS).toBeGreaterThan(UPSTREAM_KEEP_ALIVE_MS);
    // …and by the end of a backend pod's drain the proxy has dropped every idle socket to it.
    for (const line of LINES) {
      expect(Number(rendered(line, "backend").env.SHUTDOWN_DRAIN_MS)).toBeGreaterThan(UPSTREAM_KEEP_ALIVE_MS);
    }
  });
});

// --- values the chart refuses ----------------------------------------------------------------------
// (A field left out is no test: helm fills it from values.yaml before it checks the schema.)

type Override = (values: ChartValues) => void;
const REFUSED: [string, Override, RegExp][] = [
  [
    "a grace period not above preStop + timeout",
    (values) => {
      values.shutdown.terminationGracePeriodSeconds = 20;
    },
    /shutdown\.terminationGracePeriodSeconds \(20\) must be greater than shutdown\.preStopSeconds \+ shutdown\.timeoutSeconds \(5 \+ 15\)/,
  ],
  [
    "a drain as long as the shutdown timeout",
    (values) => {
      values.shutdown.drainSeconds = 15;
      values.shutdown.terminationGracePeriodSeconds = 40;
    },
    /shutdown\.drainSeconds \(15\) must be less than shutdown\.timeoutSeconds \(15\)/,
  ],
  [
    "a negative preStop",
    (values) => {
      values.shutdown.preStopSeconds = -1;
    },
    /shutdown[./]preStopSeconds/,
  ],
  [
    "a fractional drain",
    (values) => {
      values.shutdown.drainSeconds = 2.5;
    },
    /shutdown[./]drainSeconds/,
  ],
  [
    "an unknown shutdown field",
    (values) => {
      (values.shutdown as unknown as Record<string, number>).preStopSecond = 5;
    },
    /preStopSecond/,
  ],
  [
    "maxSurge and maxUnavailable both zero",
    (values) => {
      values.rollout.maxSurge = 0;
    },
    /rollout/,
  ],
  [
    "a maxSurge over 100%",
    (values) => {
      values.rollout.maxSurge = "150%";
    },
    /rollout[./]maxSurge/,
  ],
  [
    "a readiness period of 0",
    (values) => {
      values.probes.readiness.periodSeconds = 0;
    },
    /probes[./]readiness[./]periodSeconds/,
  ],
  [
    "a liveness failureThreshold given as a string",
    (values) => {
      (values.probes.liveness as unknown as Record<string, unknown>).failureThreshold = "3";
    },
    /probes[./]liveness[./]failureThreshold/,
  ],
  [
    "a negative minReadySeconds",
    (values) => {
      values.rollout.minReadySeconds = -1;
    },
    /rollout[./]minReadySeconds/,
  ],
];

describe.each(LINES)("helm %s refuses", (line) => {
  it.each(REFUSED)("%s", async (_name, override, message) => {
    const values = structuredClone(valuesOf("backend"));
    override(values);
    const file = join(tempDir, `refused-${line}-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(values));
    await expect(
      helm(line, ["template", "todo-backend", CHART_DIR, "--namespace", NAMESPACE, "--values", file]),
    ).rejects.toThrow(message);
  });

  it("and accepts shutdown without a preStop pause (no lifecycle rendered) when the grace period still fits", async () => {
    const values = structuredClone(valuesOf("frontend"));
    values.shutdown = { preStopSeconds: 0, drainSeconds: 2, timeoutSeconds: 5, terminationGracePeriodSeconds: 6 };
    const { container, deployment, env } = await render(line, { ...values }, "todo-frontend");
    expect(container.lifecycle).toBeUndefined();
    expect(deployment.template.spec.terminationGracePeriodSeconds).toBe(6);
    expect([env.SHUTDOWN_DRAIN_MS, env.SHUTDOWN_TIMEOUT_MS]).toEqual(["2000", "5000"]);
  });
});
