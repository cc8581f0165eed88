// Starts the API: wait for the database (bounded retries), listen, and shut down gracefully on
// SIGTERM/SIGINT: stop accepting, let in-flight requests finish, close the pool, exit 0 — or exit 1
// if that takes longer than SHUTDOWN_TIMEOUT_MS (keep it below the pod's grace period).
import { buildApp } from "./app.ts";
import { type Config, redactDatabaseUrl } from "./config.ts";
import { createPool, waitForDatabase } from "./db/pool.ts";
import { createLogger } from "./logger.ts";

export async function startServer(config: Config) {
  const logger = createLogger(config.logLevel);
  logger.info({ database: redactDatabaseUrl(config.databaseUrl), port: config.port }, "starting todo backend");
  const pool = createPool(config, logger);
  await waitForDatabase(pool, config.dbStartupRetries, logger);

  const app = await buildApp({ pool, readyTimeoutMs: config.readyTimeoutMs, logger });
  // Longer than common load-balancer idle timeouts, so the proxy never reuses a closed socket.
  app.server.keepAliveTimeout = 65_000;
  app.server.requestTimeout = 30_000;
  await app.listen({ port: config.port, host: config.host });

  let closing = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, "shutting down: draining in-flight requests");
    const force = setTimeout(() => {
      app.log.error({ timeoutMs: config.shutdownTimeoutMs }, "graceful shutdown timed out; exiting");
      process.exit(1);
    }, config.shutdownTimeoutMs);
    force.unref();
    app.close().then(
      () => {
        app.log.info("shutdown complete");
        process.exit(0);
      },
      (error) => {
        app.log.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", shutdown);
  process.once("SIGINT", shutdown);
  return app;
}
