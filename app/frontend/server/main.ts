// Starts the production server and shuts it down gracefully (shutdown.ts has the order): on
// SIGTERM readiness turns 503 and every response closes its socket, the server keeps serving for
// SHUTDOWN_DRAIN_MS, then stops accepting, lets in-flight requests (and proxied API calls) finish
// and exits before the pod's grace period.
import { buildServer } from "./app.ts";
import { loadConfig, type ServerConfig } from "./config.ts";
import { DrainState, gracefulShutdown } from "./shutdown.ts";

let config: ServerConfig;
try {
  config = loadConfig();
} catch (error) {
  console.error(`todo-frontend: ${(error as Error).message}`);
  process.exit(1);
}

const drain = new DrainState();
const app = await buildServer({
  staticDir: config.staticDir,
  backendUrl: config.backendUrl,
  logger: { level: config.logLevel },
  drain,
});

const shutdown = gracefulShutdown({
  app,
  drain,
  drainMs: config.shutdownDrainMs,
  timeoutMs: config.shutdownTimeoutMs,
  exit: (code) => process.exit(code),
});
process.once("SIGTERM", shutdown);
process.once("SIGINT", shutdown);

try {
  await app.listen({ port: config.port, host: config.host });
  app.log.info({ backend: config.backendUrl.origin }, "proxying /api to the backend");
} catch (error) {
  app.log.fatal({ err: error }, "could not start");
  process.exit(1);
}
