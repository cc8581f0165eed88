// Backend HTTP benchmarks (figures only, nothing asserted): throughput of GET /api/todos relative
// to /healthz, then latency and errors at a fixed 500 req/s for 60 s. The server runs the
// production bundle (app/backend/dist, gitignored) in its own process on loopback against an
// embedded Postgres seeded with 1,000 todos; autocannon runs in this process. Image size and
// rebuild time are in app-images.bench.ts.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
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

async function httpBenchmarks(): Promise<void> {
  const postgres = await startPostgres();
  let server: ChildProcess | undefined;
  try {
    node(["build.mjs"], {});
    const env = { DATABASE_URL: postgres.url, LOG_LEVEL: "info" };
    node(["dist/main.js", "migrate"], { ...env, LOG_LEVEL: "warn" });
    const pool = new pg.Pool({ connectionString: postgres.url });
    await pool.query(
      "INSERT INTO todos (title, completed) SELECT 'todo ' || g, g % 3 = 0 FROM generate_series(1, 1000) g",
    );
    await pool.end();

    const port = await freePort();
    // Production-like: info-level JSON request logs, written to a pipe that is drained.
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
    const health = await measure(`${base}/healthz`);
    const list = await measure(`${base}/api/todos?limit=20`);
    console.log(`healthz throughput:       ${fmt(health.requests.average, 0)} req/s (p99 ${health.latency.p99} ms)`);
    console.log(`list-todos throughput:    ${fmt(list.requests.average, 0)} req/s (p99 ${list.latency.p99} ms)`);
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
