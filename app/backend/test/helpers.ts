// Shared setup for backend tests: a real Postgres (embedded, from test/support), migrated, and an
// app built around a pool the test owns.
import { fileURLToPath } from "node:url";
import pg from "pg";
import { startPostgres, type TestPostgres } from "../../../test/support/postgres.ts";
import { type App, buildApp } from "../src/app.ts";
import { loadConfig } from "../src/config.ts";
import { migrate } from "../src/db/migrate.ts";
import { createPool } from "../src/db/pool.ts";

export const MIGRATIONS_DIR = fileURLToPath(new URL("../migrations", import.meta.url));

export interface TestContext {
  postgres: TestPostgres;
  pool: pg.Pool;
  app: App;
}

/** Postgres + migrated schema + app. Call `close` in afterAll. */
export async function startBackend(
  options: { readyTimeoutMs?: number; connectTimeoutMs?: number } = {},
): Promise<TestContext & { close(): Promise<void> }> {
  const postgres = await startPostgres();
  const pool = createPool(
    loadConfig({ DATABASE_URL: postgres.url, DB_CONNECT_TIMEOUT_MS: String(options.connectTimeoutMs ?? 5_000) }),
  );
  await migrate(pool, MIGRATIONS_DIR);
  const app = await buildApp({ pool, closePool: false, readyTimeoutMs: options.readyTimeoutMs });
  await app.ready();
  return {
    postgres,
    pool,
    app,
    async close() {
      await app.close();
      await pool.end().catch(() => {});
      await postgres.destroy();
    },
  };
}

export const newPool = (url: string) => new pg.Pool({ connectionString: url, max: 4 });
