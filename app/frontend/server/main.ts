// Starts the production server and shuts it down gracefully: on SIGTERM it stops accepting,
// lets in-flight requests (and proxied API calls) finish, then exits before the pod's grace period.
import { buildServer } from "./app.ts";
import { loadConfig, type ServerConfig } from "./config.ts";

let config: ServerConfig;
try {
  config = loadConfig();
} catch (error) {
  console.error(`todo-frontend: ${(error as Error).message}`);
  process.exit(1);
}

const app = await buildServer({
  staticDir: config.staticDir,
  backendUrl: config.backendUrl,
  logger: { level: config.logLevel },
});

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    app.log.info({ signal }, "shutting down");
    setTimeout(() => {
      app.log.error("in-flight requests did not finish in time; exiting");
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error({ err: error }, "error while closing");
        process.exit(1);
      },
    );
  });
}

try {
  await app.listen({ port: config.port, host: config.host });
  app.log.info({ backend: config.backendUrl.origin }, "proxying /api to the backend");
} catch (error) {
  app.log.fatal({ err: error }, "could not start");
  process.exit(1);
}
