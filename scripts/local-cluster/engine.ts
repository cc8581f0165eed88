// The real Pulumi engine on the local cluster: the CLI and the Kubernetes provider built from Go
// modules (tools/toolchain/build.sh), the program's own config parsing, namespace, database Secret
// and both Helm releases (program/*.ts, the code index.ts runs) deployed by `pulumi up`, then a
// todo through the frontend's NodePort, a preview that must report no changes, the database
// password looked for in the real state and in Helm's values, a backend-only change that must
// touch only backend resources, and `pulumi destroy` leaving no namespace.
//
// It runs as an Automation API inline program because the module proxy does not serve the Node.js
// language host (pulumi-language-nodejs) nor the command, random and docker-build providers: the
// images are built and loaded as smoke.ts does, and the database is the Postgres stand-in given to
// the program as its Neon URL (the in-cluster mode needs the random provider). docs/local-cluster.md
// lists what this leaves to a laptop's `pulumi up`.
//   npx tsx scripts/local-cluster/engine.ts      (after scripts/local-cluster/cluster.sh up)
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { type EngineEvent, LocalWorkspace, type OpType, type Stack } from "@pulumi/pulumi/automation";
import { Namespace } from "kubernetes-models/v1/Namespace";

import { createStackNamespace } from "../../components/namespace";
import { loadPlatformConfig } from "../../config";
import { connectDatabase } from "../../program/database";
import { deployAppReleases } from "../../program/releases";
import { releaseSummary } from "../../program/stack-outputs";
import { resolveHelm } from "../manifest-diff/render";
import {
  apply,
  buildImages,
  createAndReadTodo,
  deployPostgres,
  exitOnFailure,
  frontendUrl,
  KUBE_CONTEXT,
  KUBECONFIG,
  kubectl,
  loadImages,
  POSTGRES_IMAGE,
  REPO,
  run,
  stepRunner,
} from "./support";

const NAMESPACE = "todo-engine";
const DATABASE_NAMESPACE = "todo-engine-db";
const TAG = `engine-${Date.now()}`;
const { step, timings } = stepRunner("engine", [NAMESPACE, DATABASE_NAMESPACE]);

type ImageRefs = Record<"backend" | "frontend", string>;

/** What index.ts deploys to the cluster (minus image builds and the health check), for `images`. */
function program(images: ImageRefs) {
  return async () => {
    const cfg = loadPlatformConfig();
    const provider = new k8s.Provider("cluster", { context: cfg.deploy.kubeContext });
    const namespace = createStackNamespace(cfg.deploy.namespace, { provider }).metadata.name;
    const database = connectDatabase({ cfg, provider, namespace });
    const loaded = (ref: string) => ({ imageRef: pulumi.output(ref), pullPolicy: pulumi.output("Never" as const) });
    const releases = deployAppReleases({
      cfg,
      provider,
      namespace,
      images: {
        backend: loaded(`docker.io/library/${images.backend}`),
        frontend: loaded(`docker.io/library/${images.frontend}`),
      },
      database,
    });
    return {
      namespace,
      backend: releaseSummary(releases.backend),
      frontend: releaseSummary(releases.frontend),
      databaseMode: database.mode,
      databaseSecretName: database.secretName,
    };
  };
}

interface Summary {
  releaseName: string;
  revision: number;
  status: string;
  imageRef: string;
}

/** The resources an update or preview would change, as `op type::name`. */
function changesOf(events: EngineEvent[]): string[] {
  const changed = new Set<string>();
  for (const event of events) {
    const metadata = event.resourcePreEvent?.metadata;
    if (!metadata || (["same", "read"] as OpType[]).includes(metadata.op)) continue;
    changed.add(`${metadata.op} ${metadata.type}::${metadata.urn.split("::").pop()}`);
  }
  return [...changed].sort();
}

async function up(stack: Stack, images: ImageRefs): Promise<{ outputs: Record<string, unknown>; changes: string[] }> {
  const events: EngineEvent[] = [];
  stack.workspace.program = program(images);
  const result = await stack.up({ onEvent: (event) => events.push(event), color: "never" }).catch((error) => {
    throw new Error(`pulumi up failed:\n${(error as Error).message.slice(-6000)}`);
  });
  if (result.summary.result !== "succeeded") throw new Error(`pulumi up: ${result.summary.result}\n${result.stdout}`);
  return {
    outputs: Object.fromEntries(Object.entries(result.outputs).map(([key, output]) => [key, output.value])),
    changes: changesOf(events),
  };
}

function expectRelease(outputs: Record<string, unknown>, key: "backend" | "frontend", revision: number, image: string) {
  const summary = outputs[key] as Summary | undefined;
  const wanted = { status: "deployed", revision, imageRef: `docker.io/library/${image}` };
  const actual = { status: summary?.status, revision: summary?.revision, imageRef: summary?.imageRef };
  if (JSON.stringify(actual) !== JSON.stringify(wanted)) {
    throw new Error(`stack output ${key} is ${JSON.stringify(summary)}, expected ${JSON.stringify(wanted)}`);
  }
}

function expectReadyPods(component: string, replicas: number): void {
  const ready = kubectl(
    "-n",
    NAMESPACE,
    "get",
    "deployment",
    `todo-${component}`,
    "-o",
    "jsonpath={.status.readyReplicas}/{.status.replicas}",
  );
  if (ready !== `${replicas}/${replicas}`) throw new Error(`deployment todo-${component}: ${ready} pods Ready`);
}

/** The toolchain's bin directory (pulumi, pulumi-resource-kubernetes): built once, then cached. */
function toolchainBin(): string {
  const printed = execFileSync("bash", [join(REPO, "tools/toolchain/build.sh"), "pulumi", "pulumi-kubernetes"], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  return printed.trim().split("\n").pop() ?? "";
}

async function main(): Promise<void> {
  const bin = await step("Pulumi CLI and Kubernetes provider (tools/toolchain/build.sh)", toolchainBin);
  process.env.PATH = [bin, process.env.PATH].join(delimiter);
  process.env.KUBECONFIG = KUBECONFIG;
  await step("remove what an interrupted run left", () =>
    kubectl(
      "delete",
      "namespace",
      NAMESPACE,
      DATABASE_NAMESPACE,
      "--ignore-not-found",
      "--wait=true",
      "--timeout=180s",
    ),
  );
  const images = await step("build the backend, frontend and Postgres images", () => buildImages(TAG));
  await step("load the images into the node's containerd", () =>
    loadImages(images.backend, images.frontend, POSTGRES_IMAGE),
  );
  const database = await step(`Postgres stand-in in ${DATABASE_NAMESPACE} (the stack's "Neon")`, () => {
    apply([new Namespace({ metadata: { name: DATABASE_NAMESPACE } })]);
    return deployPostgres(DATABASE_NAMESPACE);
  });

  // The project directory: the workspace writes Pulumi.yaml and the stack's config there, and the
  // provider resolves the releases' chart path (./charts/todo-service, relative so that state does
  // not depend on where the repo is checked out) against it, as `pulumi up` in the repo does.
  const workDir = mkdtempSync(join(tmpdir(), "todo-engine-"));
  symlinkSync(join(REPO, "charts"), join(workDir, "charts"));
  const state = join(workDir, ".state");
  mkdirSync(state);
  const stack = await step("pulumi login --local, stack init, config", async () => {
    const created = await LocalWorkspace.createOrSelectStack(
      { projectName: "todo-platform", stackName: "engine", program: program(images) },
      {
        workDir,
        projectSettings: { name: "todo-platform", runtime: "nodejs", backend: { url: `file://${state}` } },
        envVars: { PULUMI_CONFIG_PASSPHRASE: "engine-e2e", PULUMI_SKIP_UPDATE_CHECK: "true", KUBECONFIG },
      },
    );
    await created.setAllConfig({
      kubeContext: { value: KUBE_CONTEXT },
      namespace: { value: NAMESPACE },
      imageLoader: { value: "none" },
      databaseUrl: { value: database.url, secret: true },
    });
    await created.setConfig("aiops.analyzer", { value: "none" }, true);
    return created;
  });

  try {
    await step("pulumi up: namespace, database Secret, both releases deployed, pods Ready", async () => {
      const { outputs } = await up(stack, images);
      expectRelease(outputs, "backend", 1, images.backend);
      expectRelease(outputs, "frontend", 1, images.frontend);
      if (outputs.databaseMode !== "neon") throw new Error(`databaseMode is ${String(outputs.databaseMode)}`);
      expectReadyPods("backend", 2);
      expectReadyPods("frontend", 2);
    });
    const appUrl = frontendUrl(NAMESPACE);
    await step(`create and read a todo through the frontend's NodePort ${appUrl}`, () =>
      createAndReadTodo(appUrl, `engine todo ${TAG}`),
    );
    await step("pulumi preview --expect-no-changes on the unchanged program", async () => {
      const events: EngineEvent[] = [];
      stack.workspace.program = program(images);
      await stack.preview({ expectNoChanges: true, onEvent: (event) => events.push(event), color: "never" });
      const changes = changesOf(events);
      if (changes.length) throw new Error(`preview wants changes: ${changes.join(", ")}`);
    });
    await step("the database password is in neither the stack's state nor Helm's values", async () => {
      const exported = JSON.stringify(await stack.exportStack());
      const places = [
        ["pulumi stack export", exported],
        ...["todo-backend", "todo-frontend"].map((release) => [
          `helm get values ${release} --all`,
          run(resolveHelm(), ["get", "values", release, "--all", "--namespace", NAMESPACE, "-o", "json"]),
        ]),
      ];
      const leaks = places.filter(([, text]) => text?.includes(database.password)).map(([place]) => place);
      if (leaks.length) throw new Error(`the database password is in plaintext in: ${leaks.join(", ")}`);
      // Pulumi marks each secret in state with this signature key; none would mean nothing was kept secret.
      if (!exported.includes("4dabf18193072939515e22adb298388d")) {
        throw new Error("the state holds no secret value at all: the canary checks nothing");
      }
    });
    const backendOnly = { ...images, backend: `todo-backend:${TAG}-2` };
    await step("a new backend image: pulumi up changes only backend resources", async () => {
      run("docker", ["tag", images.backend, backendOnly.backend]);
      loadImages(backendOnly.backend);
      const { outputs, changes } = await up(stack, backendOnly);
      const foreign = changes.filter((change) => !/::backend/.test(change) && !/pulumi:pulumi:Stack/.test(change));
      if (!changes.length || foreign.length) {
        throw new Error(`expected only backend resources to change; changed: ${changes.join(", ") || "nothing"}`);
      }
      expectRelease(outputs, "backend", 2, backendOnly.backend);
      expectRelease(outputs, "frontend", 1, images.frontend);
      expectReadyPods("backend", 2);
    });
    await step(`pulumi destroy: namespace ${NAMESPACE} is gone`, async () => {
      await stack.destroy({ color: "never" });
      const left = run("kubectl", ["get", "namespace", NAMESPACE, "--ignore-not-found", "-o", "name"]).trim();
      if (left) throw new Error(`${left} still exists after destroy`);
    });
  } finally {
    await stack.workspace.removeStack("engine", { force: true }).catch(() => {});
    rmSync(workDir, { recursive: true, force: true });
    kubectl(
      "delete",
      "namespace",
      NAMESPACE,
      DATABASE_NAMESPACE,
      "--ignore-not-found",
      "--wait=true",
      "--timeout=180s",
    );
  }
  process.stderr.write(`[engine] the real engine deploys the program's releases:\n  ${timings.join("\n  ")}\n`);
}

exitOnFailure("engine", main());
