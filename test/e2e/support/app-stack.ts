// The whole app as it ships: both images built from the real Dockerfiles, the backend image's
// `migrate` run against an embedded Postgres, then the backend and the frontend (proxying /api to
// it) served from read-only containers on host networking. For end-to-end tests.
import { join } from "node:path";

import {
  dockerBuild,
  dockerLogs,
  dockerRemove,
  dockerRunDetached,
  dockerRunToCompletion,
  waitForHttp,
} from "../../support/docker";
import { freePort, startPostgres, type TestPostgres } from "../../support/postgres";

const REPO_ROOT = join(__dirname, "..", "..", "..");

export interface AppStack {
  /** Base URL of the frontend container, e.g. http://127.0.0.1:41234. */
  frontendUrl: string;
  /** Base URL of the backend container (the frontend proxies /api here). */
  backendUrl: string;
  postgres: TestPostgres;
  /** Both containers' logs, for failure messages. */
  logs(): Promise<string>;
  /** Removes the containers and the database; safe to call after a partial start. */
  stop(): Promise<void>;
}

export interface AppStackOptions {
  /** Suffix for the image tags and container names, e.g. "e2e". */
  name: string;
}

/** Builds both images and starts Postgres, migrations, backend and frontend. Cleans up on failure. */
export async function startAppStack(options: AppStackOptions): Promise<AppStack> {
  const backendImage = `todo-backend:${options.name}`;
  const frontendImage = `todo-frontend:${options.name}`;
  const backendContainer = `todo-backend-${options.name}-${process.pid}`;
  const frontendContainer = `todo-frontend-${options.name}-${process.pid}`;
  let postgres: TestPostgres | undefined;

  const logs = async () =>
    `--- backend logs ---\n${await dockerLogs(backendContainer)}\n--- frontend logs ---\n${await dockerLogs(frontendContainer)}`;
  const stop = async () => {
    await Promise.all([dockerRemove(frontendContainer), dockerRemove(backendContainer)]);
    await postgres?.destroy();
  };

  try {
    const started = await Promise.all([
      startPostgres(),
      dockerBuild({ context: REPO_ROOT, dockerfile: "app/backend/Dockerfile", tag: backendImage }),
      dockerBuild({ context: REPO_ROOT, dockerfile: "app/frontend/Dockerfile", tag: frontendImage }),
    ]);
    postgres = started[0];

    const migration = await dockerRunToCompletion({
      image: backendImage,
      name: `${backendContainer}-migrate`,
      env: { DATABASE_URL: postgres.url },
      command: ["migrate"],
      readOnly: true,
    });
    if (migration.exitCode !== 0) {
      throw new Error(`backend migrate exited ${migration.exitCode}:\n${migration.stdout}\n${migration.stderr}`);
    }

    const [backendPort, frontendPort] = [await freePort(), await freePort()];
    const backendUrl = `http://127.0.0.1:${backendPort}`;
    const frontendUrl = `http://127.0.0.1:${frontendPort}`;
    await dockerRunDetached({
      image: backendImage,
      name: backendContainer,
      env: { DATABASE_URL: postgres.url, PORT: String(backendPort) },
      readOnly: true,
    });
    await dockerRunDetached({
      image: frontendImage,
      name: frontendContainer,
      env: { PORT: String(frontendPort), BACKEND_URL: backendUrl },
      readOnly: true,
    });
    try {
      await waitForHttp(`${backendUrl}/readyz`, { timeoutMs: 60_000 });
      await waitForHttp(`${frontendUrl}/healthz`, { timeoutMs: 60_000 });
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${await logs()}`);
    }
    return { frontendUrl, backendUrl, postgres, logs, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
