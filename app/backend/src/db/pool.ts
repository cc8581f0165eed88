// The pg pool: TLS decided from the URL (Neon-ready), bounded connect time, and a startup wait
// with bounded retries. Neon's `-pooler` endpoint (PgBouncer in transaction mode) works: the only
// named statements (the list query's) are protocol-level prepared statements, which PgBouncer
// 1.21+ tracks per server connection (Neon enables it).
import pg from "pg";
import type { Config } from "../config.ts";

const TLS_MODES = new Set(["require", "verify-ca", "verify-full"]);

export interface PoolSettings {
  connectionString: string;
  ssl: false | { rejectUnauthorized: true };
}

/**
 * TLS is on when the URL asks for it (`sslmode=require|verify-ca|verify-full`) or the host is a
 * Neon host (`*.neon.tech` or `*.neon.build`, pooled or direct, as the deploy's config check counts them). The certificate is always verified: Neon's is
 * publicly trusted. `sslmode` is removed from the URL because pg would otherwise re-interpret it.
 */
export function poolSettings(databaseUrl: string): PoolSettings {
  const url = new URL(databaseUrl);
  const sslmode = url.searchParams.get("sslmode");
  url.searchParams.delete("sslmode");
  const neonHost = /\.neon\.(tech|build)$/i.test(url.hostname);
  const tls = sslmode === "disable" ? false : TLS_MODES.has(sslmode ?? "") || neonHost;
  return { connectionString: url.toString(), ssl: tls ? { rejectUnauthorized: true } : false };
}

export interface PoolLogger {
  warn(object: object, message: string): void;
  info(object: object, message: string): void;
}

export function createPool(config: Config, logger?: PoolLogger): pg.Pool {
  const pool = new pg.Pool({
    ...poolSettings(config.databaseUrl),
    max: config.dbPoolMax,
    connectionTimeoutMillis: config.dbConnectTimeoutMs,
    idleTimeoutMillis: 30_000,
    // A statement that hangs (network partition) must not pin a pooled client forever.
    query_timeout: 15_000,
    keepAlive: true,
    application_name: "todo-backend",
  });
  // An idle client whose server went away emits 'error'; pg drops it from the pool. Without a
  // listener the process would crash, so log it and let the next checkout open a fresh one.
  pool.on("error", (error) => logger?.warn({ err: error }, "idle database connection failed; it was discarded"));
  return pool;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `SELECT 1` succeeds: up to `attempts` tries, backing off 1 s → 5 s. */
export async function waitForDatabase(pool: pg.Pool, attempts: number, logger?: PoolLogger): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await pool.query("SELECT 1");
      if (attempt > 1) logger?.info({ attempt }, "database reachable");
      return;
    } catch (error) {
      if (attempt >= attempts) {
        throw new Error(`database not reachable after ${attempts} attempts: ${(error as Error).message}`);
      }
      const delay = Math.min(1_000 * 2 ** (attempt - 1), 5_000);
      logger?.warn(
        { attempt, attempts, retryInMs: delay, err: (error as Error).message },
        "database not reachable yet",
      );
      await sleep(delay);
    }
  }
}

/** True when `SELECT 1` answers within `timeoutMs`; never throws. */
export async function pingDatabase(pool: pg.Pool, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const ping = pool.query({ text: "SELECT 1", query_timeout: timeoutMs } as pg.QueryConfig).then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([ping, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
