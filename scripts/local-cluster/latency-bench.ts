// Where the p99 of the real path goes (issue 15 §3), measured one candidate at a time: the app
// deployed as the smoke deploys it (smoke.ts deployApp) in its own namespace, then windows of
// 100 req/s, open loop, from a separate load process (startTrafficProcess), on one path or under
// one variant of the releases' values each. Beside each window's latency it prints what the
// kernel counted meanwhile: the CFS throttling and CPU time of the pods' cgroups (cgroup v1), the
// TCP connections the frontend pods opened (the proxy's reuse of its backend sockets), the load
// process's own CPU time and event-loop stall, and the host's busy share of its cores. Figures
// only: nothing here passes or fails on a time.
//   npx tsx scripts/local-cluster/latency-bench.ts      (after scripts/local-cluster/cluster.sh up)
//   LATENCY_BENCH_SECONDS=20 sets each window's length.
//   LATENCY_BENCH=cpu-limits runs only the frontend's CPU limit as deployed against the 500m it had
//   before, alternately, CPU_LIMIT_ROUNDS times (throttling comes in bursts: one window each says little).
import { readdirSync, readFileSync } from "node:fs";
import { setPriority } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";

import type { ChartValues } from "../../components/release-values";
import { hostCpu, processCpuMs } from "./cpu-usage";
import { deployApp, helmRelease, removeApp } from "./smoke";
import { createAndReadTodo, exitOnFailure, kubectl, stepRunner } from "./support";
import { measureWindow, type TrafficHandle, type TrafficOptions, type TrafficWindow } from "./traffic";
import { startTrafficProcess } from "./traffic-process";
import type { RequestKind, WindowSummary } from "./traffic-report";

const NAMESPACE = "todo-latency";
const TAG = `latency-${Date.now()}`;
const WINDOW_MS = Number(process.env.LATENCY_BENCH_SECONDS ?? 20) * 1000;
// New pods answer their first requests slower (cold JIT, new sockets): not what a window measures.
const WARMUP_MS = 5_000;
const RATE = 100;
/** Requests slower than this are counted apart: the goal is p99 ≤ 30 ms. */
const SLOW_MS = 30;
const CPU_LIMIT_ROUNDS = 4;
/** The frontend's CPU limit before the latency bench's first runs moved it to the backend's 1 CPU. */
const FRONTEND_LIMIT_BEFORE = "500m";
const CPU_CGROUP = "/sys/fs/cgroup/cpu";
const CPUACCT_CGROUP = "/sys/fs/cgroup/cpuacct";

type Component = "backend" | "frontend" | "postgres";
type Release = "backend" | "frontend";
type Values = { backend: ChartValues; frontend: ChartValues };

interface Pod {
  name: string;
  component: Component;
  ip: string;
  port: number;
  /** The pod's cgroup below kubepods/ (cgroupfs driver: <qos>/pod<uid>) and its app container's. */
  podCgroup: string;
  containerCgroup: string;
}

interface PodJson {
  metadata: { name: string; uid: string; labels?: Record<string, string>; deletionTimestamp?: string };
  spec: { containers: { ports?: { containerPort: number }[] }[] };
  status: {
    phase?: string;
    podIP?: string;
    qosClass?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: { containerID?: string }[];
  };
}

const podComponent = (pod: PodJson): Component | undefined => {
  const labels = pod.metadata.labels ?? {};
  if (labels["app.kubernetes.io/name"] === "todo-postgres") return "postgres";
  const component = labels["app.kubernetes.io/component"];
  return component === "backend" || component === "frontend" ? component : undefined;
};

function podsJson(): PodJson[] {
  return (JSON.parse(kubectl("-n", NAMESPACE, "get", "pods", "-o", "json")) as { items: PodJson[] }).items;
}

/** The running, ready pods of the app and Postgres, with their cgroups. */
function pods(): Pod[] {
  return podsJson().flatMap((pod) => {
    const component = podComponent(pod);
    const containerId = pod.status.containerStatuses?.[0]?.containerID?.replace(/^\w+:\/\//, "");
    const ready = pod.status.conditions?.some((c) => c.type === "Ready" && c.status === "True");
    if (!component || !containerId || !pod.status.podIP || !ready || pod.metadata.deletionTimestamp) return [];
    const qos = pod.status.qosClass === "Guaranteed" ? "" : `${(pod.status.qosClass ?? "burstable").toLowerCase()}/`;
    const podCgroup = `kubepods/${qos}pod${pod.metadata.uid}`;
    return [
      {
        name: pod.metadata.name,
        component,
        ip: pod.status.podIP,
        port: pod.spec.containers[0]?.ports?.[0]?.containerPort ?? 8080,
        podCgroup,
        containerCgroup: `${podCgroup}/${containerId}`,
      },
    ];
  });
}

/** Waits until `release` has exactly `replicas` pods, all ready, none terminating (old pods gone). */
async function settled(release: Release, replicas: number): Promise<void> {
  const deadline = Date.now() + 240_000;
  for (;;) {
    const ofRelease = podsJson().filter((pod) => podComponent(pod) === release);
    const ready = ofRelease.filter(
      (pod) =>
        !pod.metadata.deletionTimestamp &&
        pod.status.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
    );
    if (ofRelease.length === replicas && ready.length === replicas) return;
    if (Date.now() > deadline)
      throw new Error(`${release}: ${ready.length}/${ofRelease.length} pods ready after 240 s`);
    await sleep(1_000);
  }
}

/** "key value" lines (cpu.stat). */
function keyed(file: string): Record<string, number> {
  const result: Record<string, number> = {};
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const [key, value] = line.split(" ");
    if (key && value !== undefined) result[key] = Number(value);
  }
  return result;
}

/** The TCP counters of the network namespace `pid` is in (/proc/<pid>/net/snmp: a header line, a value line). */
function tcpCounters(pid: number): { activeOpens: number; passiveOpens: number } {
  const [header, values] = readFileSync(`/proc/${pid}/net/snmp`, "utf8")
    .split("\n")
    .filter((line) => line.startsWith("Tcp:"))
    .map((line) => line.split(/\s+/).slice(1));
  const field = (name: string) => Number(values?.[header?.indexOf(name) ?? -1] ?? Number.NaN);
  return { activeOpens: field("ActiveOpens"), passiveOpens: field("PassiveOpens") };
}

interface Counters {
  periods: number;
  throttled: number;
  throttledNs: number;
  /** The pod-level cgroup's throttling (its quota is the sum of its containers' limits). */
  podThrottled: number;
  cpuNs: number;
  activeOpens: number;
  passiveOpens: number;
}

function podCounters(pod: Pod): Counters {
  const container = keyed(`${CPU_CGROUP}/${pod.containerCgroup}/cpu.stat`);
  const podLevel = keyed(`${CPU_CGROUP}/${pod.podCgroup}/cpu.stat`);
  const pid = Number(readFileSync(`${CPU_CGROUP}/${pod.containerCgroup}/cgroup.procs`, "utf8").split("\n")[0]);
  return {
    periods: container.nr_periods ?? 0,
    throttled: container.nr_throttled ?? 0,
    throttledNs: container.throttled_time ?? 0,
    podThrottled: podLevel.nr_throttled ?? 0,
    cpuNs: Number(readFileSync(`${CPUACCT_CGROUP}/${pod.containerCgroup}/cpuacct.usage`, "utf8")),
    ...tcpCounters(pid),
  };
}

/** The container's CFS quota as a limit: "500m", or "none". */
function cpuLimit(pod: Pod): string {
  const quota = Number(readFileSync(`${CPU_CGROUP}/${pod.containerCgroup}/cpu.cfs_quota_us`, "utf8"));
  const period = Number(readFileSync(`${CPU_CGROUP}/${pod.containerCgroup}/cpu.cfs_period_us`, "utf8"));
  return quota > 0 ? `${Math.round((quota / period) * 1000)}m` : "none";
}

interface Snapshot {
  pods: Map<string, Counters>;
  host: { busy: number; total: number };
}

function snapshot(of: Pod[]): Snapshot {
  return { pods: new Map(of.map((pod) => [pod.name, podCounters(pod)])), host: hostCpu() };
}

type ComponentUse = Counters & { pods: number; limit: string };

/** Each component's counters over the window, summed over its pods. */
function usage(of: Pod[], before: Snapshot, after: Snapshot): Record<Component, ComponentUse> {
  const zero = (): ComponentUse => ({
    periods: 0,
    throttled: 0,
    throttledNs: 0,
    podThrottled: 0,
    cpuNs: 0,
    activeOpens: 0,
    passiveOpens: 0,
    pods: 0,
    limit: "",
  });
  const result = { backend: zero(), frontend: zero(), postgres: zero() };
  for (const pod of of) {
    const [a, b] = [before.pods.get(pod.name), after.pods.get(pod.name)];
    if (!a || !b) continue;
    const sum = result[pod.component];
    for (const key of Object.keys(a) as (keyof Counters)[]) sum[key] += b[key] - a[key];
    sum.pods++;
    sum.limit = cpuLimit(pod);
  }
  return result;
}

/** Pids of this process's load children (startTrafficProcess forks them with --traffic-child). */
function trafficChildren(): number[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .flatMap((name) => {
      try {
        const stat = readFileSync(`/proc/${name}/stat`, "utf8");
        const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
        const cmdline = readFileSync(`/proc/${name}/cmdline`, "utf8");
        return ppid === process.pid && cmdline.includes("--traffic-child") ? [Number(name)] : [];
      } catch {
        return [];
      }
    });
}

interface Capture {
  window?: TrafficWindow;
  clientCpuMs?: number;
}

/** startTrafficProcess, keeping the window's records and the load process's CPU time from its first request to the stop. */
function instrumentedStart(capture: Capture, clientNice?: number) {
  return async (options: TrafficOptions): Promise<TrafficHandle> => {
    const earlier = new Set(trafficChildren());
    const handle = await startTrafficProcess(options);
    const pid = trafficChildren().find((child) => !earlier.has(child));
    if (pid !== undefined && clientNice !== undefined) setPriority(pid, clientNice);
    const cpuAtStart = pid === undefined ? undefined : processCpuMs(pid);
    return {
      async stop() {
        const cpuAtStop = pid === undefined ? undefined : processCpuMs(pid);
        capture.window = await handle.stop();
        if (cpuAtStart !== undefined && cpuAtStop !== undefined) capture.clientCpuMs = cpuAtStop - cpuAtStart;
        return capture.window;
      },
    };
  };
}

interface Row {
  path: string;
  variant: string;
  rate: number;
  summary: WindowSummary;
  maxMs: number;
  slow: number;
  use: Record<Component, ComponentUse>;
  clientCpuMs?: number;
  hostBusyPercent: number;
}

const rows: Row[] = [];
/** The backend pod alone, as deployed: what the other p99s are divided by. */
let reference: number | undefined;

const ms = (n: number | null | undefined) => (n === null || n === undefined ? "n/a" : `${Math.round(n)}`);
const seconds = (ns: number) => (ns / 1e9).toFixed(1);
const ratio = (p99: number | null) => (p99 !== null && reference ? `×${(p99 / reference).toFixed(1)}` : "—");
const throttling = (use: ComponentUse) =>
  use.pods
    ? `${use.throttled}/${use.periods} (${(use.throttledNs / 1e6).toFixed(0)} ms${use.podThrottled ? `, pod ${use.podThrottled}` : ""})`
    : "—";

function line(row: Row): string {
  const { summary, use } = row;
  return [
    `[latency] ${row.path} | ${row.variant} | ${row.rate}/s`,
    `p50 ${ms(summary.p50Ms)} ms, p99 ${ms(summary.p99Ms)} ms (${ratio(summary.p99Ms)} the backend pod alone), max ${ms(row.maxMs)} ms, ${row.slow} over ${SLOW_MS} ms`,
    `${summary.failed}/${summary.requests} failed${summary.failed ? ` (${JSON.stringify({ ...summary.nonOk, ...summary.connectionErrors })})` : ""}`,
    `frontend (${use.frontend.pods} pods, limit ${use.frontend.limit || "—"}): CPU ${seconds(use.frontend.cpuNs)} s, throttled ${throttling(use.frontend)}, TCP opened ${use.frontend.activeOpens} to the backend, accepted ${use.frontend.passiveOpens}`,
    `backend (${use.backend.pods} pods, limit ${use.backend.limit || "—"}): CPU ${seconds(use.backend.cpuNs)} s, throttled ${throttling(use.backend)}, TCP opened ${use.backend.activeOpens}`,
    `postgres CPU ${seconds(use.postgres.cpuNs)} s`,
    `load client CPU ${row.clientCpuMs === undefined ? "n/a" : `${(row.clientCpuMs / 1000).toFixed(1)} s`}, event-loop stall max ${ms(summary.clientStallMaxMs)} ms`,
    `host busy ${row.hostBusyPercent.toFixed(0)}% of its cores`,
  ].join("; ");
}

/** One window of `rate` req/s of one request kind at `baseUrl`: its figures and the counters beside them. */
async function measure(
  path: string,
  variant: string,
  baseUrl: string,
  options: { rate?: number; kind?: RequestKind; clientNice?: number; reference?: boolean } = {},
): Promise<Row> {
  const rate = options.rate ?? RATE;
  const capture: Capture = {};
  const of = pods();
  let before: Snapshot | undefined;
  let after: Snapshot | undefined;
  const { report } = await measureWindow(
    `${path}, ${variant}`,
    { baseUrl, ratePerSecond: rate, mix: { [options.kind ?? "list"]: 1 } },
    async () => {
      before = snapshot(of);
      await sleep(WINDOW_MS);
      after = snapshot(of);
    },
    () => {},
    instrumentedStart(capture, options.clientNice),
  );
  const answered = (capture.window?.records ?? []).filter((r) => r.error === undefined && r.status !== undefined);
  if (!before || !after) throw new Error("the window took no counters");
  const row: Row = {
    path,
    variant,
    rate,
    summary: report.summary,
    maxMs: Math.max(0, ...answered.map((r) => r.durationMs)),
    slow: answered.filter((r) => r.durationMs > SLOW_MS).length,
    use: usage(of, before, after),
    ...(capture.clientCpuMs === undefined ? {} : { clientCpuMs: capture.clientCpuMs }),
    hostBusyPercent: (100 * (after.host.busy - before.host.busy)) / Math.max(1, after.host.total - before.host.total),
  };
  rows.push(row);
  if (options.reference) reference = row.summary.p99Ms ?? undefined;
  process.stdout.write(`${line(row)}\n`);
  return row;
}

/** The windows' rows as the Markdown table of docs/benchmarks.md. */
function table(): string {
  const header = [
    "Path",
    "Variant",
    "req/s",
    "p50 / p99 / max ms",
    "p99 ÷ backend pod",
    `> ${SLOW_MS} ms`,
    "failed",
    "throttled fe / be (periods, time)",
    "CPU s fe / be / pg",
    "fe TCP opened",
    "client CPU s / stall ms",
    "host busy",
  ];
  const body = rows.map((row) => [
    row.path,
    row.variant,
    String(row.rate),
    `${ms(row.summary.p50Ms)} / ${ms(row.summary.p99Ms)} / ${ms(row.maxMs)}`,
    ratio(row.summary.p99Ms),
    String(row.slow),
    `${row.summary.failed} / ${row.summary.requests}`,
    `${throttling(row.use.frontend)} / ${throttling(row.use.backend)}`,
    `${seconds(row.use.frontend.cpuNs)} / ${seconds(row.use.backend.cpuNs)} / ${seconds(row.use.postgres.cpuNs)}`,
    String(row.use.frontend.activeOpens),
    `${row.clientCpuMs === undefined ? "n/a" : (row.clientCpuMs / 1000).toFixed(1)} / ${ms(row.summary.clientStallMaxMs)}`,
    `${row.hostBusyPercent.toFixed(0)}%`,
  ]);
  return [header, header.map(() => "---"), ...body].map((cells) => `| ${cells.join(" | ")} |`).join("\n");
}

const clone = <T>(value: T): T => structuredClone(value);

/**
 * The release's values with another CPU limit; null deletes it (a missing key would not: Helm
 * merges the values over the chart's defaults, cpu 500m, and only a null deletes a default).
 */
function withCpuLimit(values: ChartValues, cpu: string | null): ChartValues {
  const copy = clone(values);
  (copy.resources.limits as { cpu: string | null }).cpu = cpu;
  return copy;
}

const withoutCpuLimit = (values: ChartValues) => withCpuLimit(values, null);

function withEnv(values: ChartValues, env: Record<string, string>): ChartValues {
  const copy = clone(values);
  copy.env = { ...copy.env, ...env };
  return copy;
}

const first = (component: Component) => {
  const pod = pods().find((p) => p.component === component);
  if (!pod) throw new Error(`no ready ${component} pod`);
  return `http://${pod.ip}:${pod.port}`;
};

async function main(): Promise<void> {
  const { step } = stepRunner("latency", [NAMESPACE]);
  let cleaned = false;
  const cleanUp = () => {
    if (cleaned) return;
    cleaned = true;
    for (const pid of trafficChildren()) process.kill(pid, "SIGKILL");
    process.stderr.write(`[latency] uninstall both releases and delete the namespace ${NAMESPACE} ...\n`);
    try {
      removeApp(NAMESPACE);
    } catch (error) {
      // A deploy that failed half-way leaves no release to uninstall; the namespace still goes.
      process.stderr.write(`[latency] ${(error as Error).message.split("\n").slice(0, 2).join(" ")}\n`);
      try {
        kubectl("delete", "namespace", NAMESPACE, "--ignore-not-found", "--wait=true", "--timeout=180s");
      } catch (failure) {
        process.stderr.write(`[latency] the namespace ${NAMESPACE} is left: ${(failure as Error).message}\n`);
      }
    }
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      cleanUp();
      process.exit(1);
    });
  }
  try {
    const app = await deployApp(NAMESPACE, TAG, step);
    await step(`create and read a todo through the frontend's NodePort ${app.appUrl}`, () =>
      createAndReadTodo(app.appUrl, `latency todo ${TAG}`),
    );
    const base: Values = app.values;
    const deployed: Record<Release, string> = {
      backend: JSON.stringify(base.backend),
      frontend: JSON.stringify(base.frontend),
    };
    const apply = async (target: Values) => {
      for (const release of ["backend", "frontend"] as const) {
        const json = JSON.stringify(target[release]);
        if (json === deployed[release]) continue;
        await step(`helm upgrade todo-${release} to the variant, old pods gone`, async () => {
          helmRelease(NAMESPACE, `todo-${release}`, target[release]);
          await settled(release, target[release].replicaCount);
        });
        deployed[release] = json;
      }
      await measureWindow(
        "warm-up",
        { baseUrl: app.appUrl, ratePerSecond: RATE, mix: { list: 1 } },
        () => sleep(WARMUP_MS),
        () => {},
        startTrafficProcess,
      );
    };

    const asDeployed = "as deployed";
    await apply(base);
    await measure("backend pod", asDeployed, first("backend"), { reference: true });
    if (process.env.LATENCY_BENCH === "cpu-limits") {
      const deployedLimit = (base.frontend.resources.limits as { cpu?: string }).cpu;
      const before = { ...base, frontend: withCpuLimit(base.frontend, FRONTEND_LIMIT_BEFORE) };
      for (let round = 1; round <= CPU_LIMIT_ROUNDS; round++) {
        await apply(base);
        await measure(
          "NodePort → frontend → backend",
          `frontend CPU limit ${deployedLimit} (deployed), round ${round}`,
          app.appUrl,
        );
        await apply(before);
        await measure(
          "NodePort → frontend → backend",
          `frontend CPU limit ${FRONTEND_LIMIT_BEFORE}, round ${round}`,
          app.appUrl,
        );
      }
      await apply(base);
      process.stdout.write(`\n${table()}\n`);
      return;
    }
    const clusterIp = kubectl("-n", NAMESPACE, "get", "svc", "todo-backend", "-o", "jsonpath={.spec.clusterIP}");
    const serviceUrl = `http://${clusterIp}`;
    const serviceAnswers = await fetch(`${serviceUrl}/healthz`, { signal: AbortSignal.timeout(2_000) }).then(
      (response) => response.ok,
      () => false,
    );
    if (serviceAnswers) await measure("backend ClusterIP (kube-proxy)", asDeployed, serviceUrl);
    else
      process.stdout.write(`[latency] the backend's ClusterIP ${clusterIp} does not answer from the host: skipped\n`);
    await measure("frontend pod → backend", asDeployed, first("frontend"));
    await measure("NodePort → frontend → backend", asDeployed, app.appUrl);
    await measure("NodePort → frontend → backend", asDeployed, app.appUrl, { rate: 50 });
    await measure("NodePort GET / (static)", asDeployed, app.appUrl, { kind: "page" });
    await measure("frontend pod GET / (static)", asDeployed, first("frontend"), { kind: "page" });
    await measure("NodePort → frontend → backend", "load client at nice -10", app.appUrl, { clientNice: -10 });

    const variants: { name: string; values: () => Values; backendToo?: boolean }[] = [
      {
        name: "frontend without a CPU limit",
        values: () => ({ ...base, frontend: withoutCpuLimit(base.frontend) }),
      },
      {
        // Right after a frontend-only variant: the backend pods are still those the IP is read
        // from, and the upgrade of the frontend alone keeps them.
        name: "frontend proxies to one backend pod IP (no DNS name, no kube-proxy on hop 2)",
        values: () => ({ ...base, frontend: withEnv(base.frontend, { BACKEND_URL: first("backend") }) }),
      },
      {
        name: "backend without a CPU limit",
        values: () => ({ ...base, backend: withoutCpuLimit(base.backend) }),
        backendToo: true,
      },
      {
        name: "LOG_LEVEL=warn on both",
        values: () => ({
          backend: withEnv(base.backend, { LOG_LEVEL: "warn" }),
          frontend: withEnv(base.frontend, { LOG_LEVEL: "warn" }),
        }),
        backendToo: true,
      },
      {
        name: "LOG_LEVEL=warn on the frontend only",
        values: () => ({ ...base, frontend: withEnv(base.frontend, { LOG_LEVEL: "warn" }) }),
      },
      {
        name: "DB_POOL_MAX=2 (default 10)",
        values: () => ({ ...base, backend: withEnv(base.backend, { DB_POOL_MAX: "2" }) }),
        backendToo: true,
      },
      {
        name: "DB_POOL_MAX=30",
        values: () => ({ ...base, backend: withEnv(base.backend, { DB_POOL_MAX: "30" }) }),
        backendToo: true,
      },
      {
        name: "no CPU limits and LOG_LEVEL=warn on both",
        values: () => ({
          backend: withEnv(withoutCpuLimit(base.backend), { LOG_LEVEL: "warn" }),
          frontend: withEnv(withoutCpuLimit(base.frontend), { LOG_LEVEL: "warn" }),
        }),
        backendToo: true,
      },
    ];
    for (const variant of variants) {
      // One change at a time: a release the variant leaves alone goes back to its deployed values.
      await apply(variant.values());
      if (variant.backendToo) await measure("backend pod", variant.name, first("backend"));
      await measure("NodePort → frontend → backend", variant.name, app.appUrl);
    }
    await apply(base);
    await measure("NodePort → frontend → backend", `${asDeployed} (again, last)`, app.appUrl);
    await measure("backend pod", `${asDeployed} (again, last)`, first("backend"));
    process.stdout.write(`\n${table()}\n`);
  } finally {
    cleanUp();
  }
}

exitOnFailure("latency", main());
