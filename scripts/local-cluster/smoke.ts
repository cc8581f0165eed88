// Proves the local cluster runs the project as Minikube would, without Pulumi: both app images
// built from their Dockerfiles and loaded into the node, the in-cluster Postgres (a StatefulSet
// whose PVC must bind), the two Helm releases of charts/todo-service with the values the program
// computes (releaseValues: migration hook, probes, 2 frontend replicas), then a todo created and
// read through the frontend's NodePort, which reaches the backend by its Service DNS name, which
// reaches Postgres by its own. Each step fails with its name and what kubectl says.
//   npx tsx scripts/local-cluster/smoke.ts      (after scripts/local-cluster/cluster.sh up)
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Namespace } from "kubernetes-models/v1/Namespace";

import { chartChecksum } from "../../components/chart";
import { type ChartValues, releaseValues, serviceUrl } from "../../components/release-values";
import { resolveHelm } from "../manifest-diff/render";
import {
  apply,
  buildImages,
  createAndReadTodo,
  deployPostgres,
  exitOnFailure,
  frontendUrl,
  loadImages,
  POSTGRES_IMAGE,
  REPO,
  run,
  stepRunner,
} from "./support";

const NAMESPACE = "todo-smoke";
const TAG = `smoke-${Date.now()}`;

type Step = ReturnType<typeof stepRunner>["step"];

/** `helm upgrade --install` of charts/todo-service in `namespace`, waiting for the pods (atomic). */
export function helmRelease(namespace: string, name: string, values: unknown): void {
  const dir = mkdtempSync(join(tmpdir(), "smoke-values-"));
  try {
    writeFileSync(join(dir, "values.json"), JSON.stringify(values));
    run(resolveHelm(), [
      "upgrade",
      "--install",
      name,
      join(REPO, "charts", "todo-service"),
      "--namespace",
      namespace,
      "--values",
      join(dir, "values.json"),
      "--wait",
      "--atomic",
      "--timeout",
      "5m",
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface DeployedApp {
  images: { backend: string; frontend: string };
  /** The values each release was installed with (releaseValues). */
  values: { backend: ChartValues; frontend: ChartValues };
  /** The frontend's NodePort URL. */
  appUrl: string;
}

/**
 * The smoke's deploy as named steps: images built and loaded, `namespace` (Pod Security
 * restricted), the in-cluster Postgres, then both releases with the values the program computes.
 * Other scripts (latency-bench.ts) deploy the same app this way.
 */
export async function deployApp(namespace: string, tag: string, step: Step): Promise<DeployedApp> {
  const images = await step("build the backend, frontend and Postgres images", () => buildImages(tag));
  await step("load the images into the node's containerd", () =>
    loadImages(images.backend, images.frontend, POSTGRES_IMAGE),
  );
  await step(`namespace ${namespace} (Pod Security restricted)`, () =>
    apply([
      new Namespace({
        metadata: { name: namespace, labels: { "pod-security.kubernetes.io/enforce": "restricted" } },
      }),
    ]),
  );
  await step("in-cluster Postgres: its PVC binds and the pod is Ready", () => deployPostgres(namespace));
  const checksum = chartChecksum();
  const values = {
    backend: releaseValues({
      component: "backend",
      releaseName: "todo-backend",
      imageRef: `docker.io/library/${images.backend}`,
      pullPolicy: "Never",
      replicas: 2,
      databaseSecret: { name: "todo-database", key: "DATABASE_URL" },
      chartChecksum: checksum,
    }),
    frontend: releaseValues({
      component: "frontend",
      releaseName: "todo-frontend",
      imageRef: `docker.io/library/${images.frontend}`,
      pullPolicy: "Never",
      replicas: 2,
      backendUrl: serviceUrl("todo-backend", namespace),
      chartChecksum: checksum,
    }),
  };
  await step("Helm release todo-backend (migration hook, 2 pods Ready)", () =>
    helmRelease(namespace, "todo-backend", values.backend),
  );
  await step("Helm release todo-frontend (2 pods Ready)", () =>
    helmRelease(namespace, "todo-frontend", values.frontend),
  );
  return { images, values, appUrl: frontendUrl(namespace) };
}

/** Both releases uninstalled and `namespace` deleted, waiting for both. */
export function removeApp(namespace: string): void {
  run(resolveHelm(), ["uninstall", "todo-frontend", "todo-backend", "--namespace", namespace, "--wait"]);
  run("kubectl", ["delete", "namespace", namespace, "--wait=true", "--timeout=180s"]);
}

async function main(): Promise<void> {
  const { step } = stepRunner("smoke", [NAMESPACE]);
  const { appUrl } = await deployApp(NAMESPACE, TAG, step);
  await step(`create and read a todo through the frontend's NodePort ${appUrl}`, () =>
    createAndReadTodo(appUrl, `smoke todo ${TAG}`),
  );
  await step("uninstall both releases and delete the namespace", () => removeApp(NAMESPACE));
  process.stderr.write("[smoke] the local cluster runs the project: 8 steps passed\n");
}

// Run as a script only: latency-bench.ts imports deployApp without running the smoke.
if (require.main === module) exitOnFailure("smoke", main());
