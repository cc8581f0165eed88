// The backend image, built and run for real: migrate, serve on a read-only root fs as uid 1000,
// answer the API against the test Postgres, and stop cleanly on SIGTERM.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasCapabilities } from "../../../test/support/capabilities.ts";
import {
  dockerBuild,
  dockerExec,
  dockerLogs,
  dockerRemove,
  dockerRunDetached,
  dockerRunToCompletion,
  imageLabels,
  imageUser,
  waitForHttp,
} from "../../../test/support/docker.ts";
import { freePort, startPostgres, type TestPostgres } from "../../../test/support/postgres.ts";

const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const IMAGE = "todo-backend:test";
const CONTAINER = `todo-backend-test-${process.pid}`;
const run = promisify(execFile);

describe.runIf(hasCapabilities("docker", "postgres"))("backend image (real Docker)", () => {
  let postgres: TestPostgres;
  let port: number;

  beforeAll(async () => {
    [postgres] = await Promise.all([
      startPostgres(),
      dockerBuild({ context: REPO_ROOT, dockerfile: "app/backend/Dockerfile", tag: IMAGE }),
    ]);
    port = await freePort();
  }, 900_000);

  afterAll(async () => {
    await dockerRemove(CONTAINER);
    await postgres?.destroy();
  });

  it("runs as uid 1000 and carries OCI labels", async () => {
    expect(await imageUser(IMAGE)).toBe("1000");
    const labels = await imageLabels(IMAGE);
    for (const key of ["title", "description", "source", "licenses", "version", "revision"]) {
      expect(labels[`org.opencontainers.image.${key}`], key).toBeTruthy();
    }
  });

  it("`migrate` exits 0 and is idempotent on a second run", async () => {
    const options = {
      image: IMAGE,
      name: `${CONTAINER}-migrate`,
      env: { DATABASE_URL: postgres.url },
      command: ["migrate"],
      readOnly: true,
    };
    const first = await dockerRunToCompletion(options);
    expect(first.exitCode, first.stdout + first.stderr).toBe(0);
    expect(first.stdout).toContain("1 applied");
    expect(first.stdout).not.toContain("test-password");
    const second = await dockerRunToCompletion(options);
    expect(second.exitCode, second.stderr).toBe(0);
    expect(second.stdout).toContain("0 applied, 1 already applied");
  }, 180_000);

  it("exits 2 with a message naming DATABASE_URL when it is missing", async () => {
    const result = await dockerRunToCompletion({ image: IMAGE, name: `${CONTAINER}-noenv`, readOnly: true });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("DATABASE_URL is required");
  }, 120_000);

  it("serves the API on PORT with a read-only root fs, as uid 1000, and stops cleanly on SIGTERM", async () => {
    await dockerRunDetached({
      image: IMAGE,
      name: CONTAINER,
      env: { DATABASE_URL: postgres.url, PORT: String(port) },
      readOnly: true,
    });
    const base = `http://127.0.0.1:${port}`;
    try {
      await waitForHttp(`${base}/readyz`, { timeoutMs: 60_000 });
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${await dockerLogs(CONTAINER)}`);
    }
    expect(await dockerExec(CONTAINER, ["id", "-u"])).toBe("1000");
    // The root filesystem really is read-only; /tmp is the writable tmpfs.
    await expect(dockerExec(CONTAINER, ["touch", "/app/probe"])).rejects.toThrow(/Read-only file system/);
    await dockerExec(CONTAINER, ["touch", "/tmp/probe"]);

    const created = await fetch(`${base}/api/todos`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "from the image test" }),
    });
    expect(created.status).toBe(201);
    const todo = (await created.json()) as { id: string };
    const list = (await (await fetch(`${base}/api/todos`)).json()) as { items: { id: string; title: string }[] };
    expect(list.items).toContainEqual(expect.objectContaining({ id: todo.id, title: "from the image test" }));

    const logs = await dockerLogs(CONTAINER);
    expect(logs).toContain('"reqId"');
    expect(logs).not.toContain("test-password");

    await run("docker", ["kill", "--signal", "TERM", CONTAINER]);
    const { stdout } = await run("docker", ["wait", CONTAINER], { timeout: 30_000 });
    expect(stdout.trim()).toBe("0");
    expect(await dockerLogs(CONTAINER)).toContain("shutdown complete");
  }, 180_000);
});
