// Entry point of the image: no argument serves the API; the single argument `migrate` applies
// pending migrations and exits 0 (the Helm hook Job runs this). Config errors exit 2 with a
// message that names the variable.
import { fileURLToPath } from "node:url";
import { ConfigError, loadConfig, redactDatabaseUrl } from "./config.ts";
import { migrate } from "./db/migrate.ts";
import { createPool, waitForDatabase } from "./db/pool.ts";
import { createLogger } from "./logger.ts";
import { startServer } from "./server.ts";

// src/main.ts and the bundled dist/main.js both sit one level below app/backend.
const MIGRATIONS_DIR = process.env.MIGRATIONS_DIR ?? fileURLToPath(new URL("../migrations", import.meta.url));

async function runMigrations(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  logger.info({ database: redactDatabaseUrl(config.databaseUrl), directory: MIGRATIONS_DIR }, "running migrations");
  const pool = createPool(config, logger);
  try {
    await waitForDatabase(pool, config.dbStartupRetries, logger);
    const result = await migrate(pool, MIGRATIONS_DIR);
    logger.info(
      result,
      `migrations done: ${result.applied.length} applied, ${result.alreadyApplied.length} already applied`,
    );
  } finally {
    await pool.end();
  }
}

async function main(args: string[]): Promise<void> {
  if (args.length === 0) {
    await startServer(loadConfig());
  } else if (args.length === 1 && args[0] === "migrate") {
    await runMigrations();
  } else {
    throw new ConfigError(`unknown arguments "${args.join(" ")}": run with no arguments to serve, or "migrate"`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  // Plain stderr line: the logger may not exist yet when configuration is what failed.
  console.error(error instanceof ConfigError ? error.message : `fatal: ${(error as Error).stack ?? error}`);
  process.exit(error instanceof ConfigError ? 2 : 1);
});
