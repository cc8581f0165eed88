// Starts the API: wait for the database (bounded retries), listen, and shut down gracefully on
// SIGTERM/SIGINT (shutdown.ts has the order): readiness 503 and `Connection: close` at once, keep
// serving for SHUTDOWN_DRAIN_MS, then stop accepting, let in-flight requests finish, close the
// pool, exit 0 — or exit 1 if that takes longer than SHUTDOWN_TIMEOUT_MS after the signal (keep
// it below the pod's grace period minus its preStop pause).
import { buildApp } from "./app.ts";
import { type Config, redactDatabaseUrl } from "./config.ts";
import { createPool, waitForDatabase } from "./db/pool.ts";
import { createLogger } from "./logger.ts";
import { DrainState, gracefulShutdown } from "./shutdown.ts";

export async function startServer(config: Config) {
  const logger = createLogger(config.logLevel);
  logger.info({ database: redactDatabaseUrl(config.databaseUrl), port: config.port }, "starting todo backend");
  const pool = createPool(config, logger);
  await waitForDatabase(pool, config.dbStartupRetries, logger);

  const drain = new DrainState();
  // Keep-alive and request timeouts are set in buildApp (KEEP_ALIVE_TIMEOUT_MS, REQUEST_TIMEOUT_MS).
  const app = await buildApp({ pool, readyTimeoutMs: config.readyTimeoutMs, logger, drain });
  await app.listen({ port: config.port, host: config.host });

  const shutdown = gracefulShutdown({
    app,
    drain,
    drainMs: config.shutdownDrainMs,
    timeoutMs: config.shutdownTimeoutMs,
    exit: (code) => process.exit(code),
  });
  process.once("SIGTERM", shutdown);
  process.once("SIGINT", shutdown);
  return app;
}
