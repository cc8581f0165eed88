// AppImage: builds one app image under a content-addressed tag and makes it available to the
// cluster through the configured loader (minikube, kind, registry, none).
//
// The tag is a hash of exactly what the Docker build sees, computed while the program is
// evaluated: an unchanged tree yields the same tag, so neither the image resource nor the chart
// that uses it shows a diff, and nothing is rebuilt or reloaded. buildOnPreview defaults to false:
// a preview must stay fast and side-effect free (docker-build still validates the Dockerfile
// syntax on preview), and the build happens once, during `pulumi up`.
import { isAbsolute, join, relative, resolve } from "node:path";
import * as command from "@pulumi/command";
import * as dockerBuild from "@pulumi/docker-build";
import * as pulumi from "@pulumi/pulumi";

import type { ImagesConfig } from "../config/images";
import { contentTag, hashBuildContext } from "../lib/image-context/context-hash";
import {
  clusterIdentity,
  type DeliveryPlan,
  type ImageProbes,
  loadCommandFor,
  minikubeVersionWarning,
  planDelivery,
  pullPolicyFor,
  registryRepository,
} from "../lib/image-context/delivery-plan";
import type { MinikubeBuildRequest } from "../lib/image-context/minikube-docker-build";
import { systemProbes } from "../lib/image-context/system-probes";

/** Where node resolves ts-node and the build script from: the project root. */
const PROJECT_ROOT = resolve(__dirname, "..");

/**
 * The Command interpreter that builds into Minikube's daemon. The script path is relative to the
 * Command's dir, so the inputs (and the preview) do not depend on where the checkout lives.
 */
export const MINIKUBE_BUILD_INTERPRETER = [
  "node",
  "-r",
  "ts-node/register/transpile-only",
  "lib/image-context/minikube-docker-build.ts",
];

/** The build request the Command passes, with paths relative to the project root. Pure. */
export function minikubeBuildRequest(
  args: AppImageArgs,
  profile: string,
  tag: string,
  root = PROJECT_ROOT,
): MinikubeBuildRequest {
  const context = relative(root, args.context) || ".";
  return {
    profile,
    tag,
    context,
    dockerfile: join(context, args.dockerfile),
    ...(args.buildArgs && Object.keys(args.buildArgs).length > 0 ? { buildArgs: args.buildArgs } : {}),
  };
}

export interface AppImageArgs {
  /** Image repository name without tag, e.g. "todo-backend". */
  imageName: string;
  /** Absolute path of the build context (the repo root for both app images). */
  context: string;
  /** Dockerfile path relative to the context, e.g. "app/backend/Dockerfile". */
  dockerfile: string;
  /** Build arguments; they count in the content hash. */
  buildArgs?: Record<string, string>;
  /** How the image reaches the cluster: the validated config slice (config/images.ts). */
  loader: ImagesConfig;
  /**
   * Build during `pulumi preview` too. Host builds only (docker-build); the build into Minikube's
   * own daemon is a command, and commands never run on preview.
   * @default false
   */
  buildOnPreview?: boolean;
  /**
   * Environment probes (minikube, kind, Docker). Tests inject fakes here.
   * @default the real CLIs; under Pulumi mocks, a healthy docker-runtime Minikube (see mockEnvironmentProbes)
   */
  probes?: ImageProbes;
}

export type PullPolicy = "Never" | "IfNotPresent" | "Always";

/** Image names Docker accepts for a repository path component set (lowercase, no tag). */
const IMAGE_NAME = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

/** Rejects arguments that cannot work, naming the field and the fix. */
export function validateAppImageArgs(args: AppImageArgs): void {
  if (!IMAGE_NAME.test(args.imageName)) {
    throw new pulumi.InputPropertyError({
      propertyPath: "imageName",
      reason: `imageName "${args.imageName}" is not a Docker repository name without tag (lowercase letters, digits, . _ - and /), e.g. "todo-backend"`,
    });
  }
  if (!isAbsolute(args.context)) {
    throw new pulumi.InputPropertyError({
      propertyPath: "context",
      reason: `context "${args.context}" must be an absolute path; resolve it first, e.g. path.resolve(__dirname)`,
    });
  }
  if (isAbsolute(args.dockerfile) || args.dockerfile.split(/[\\/]/).includes("..")) {
    throw new pulumi.InputPropertyError({
      propertyPath: "dockerfile",
      reason: `dockerfile "${args.dockerfile}" must be relative to the context and inside it, e.g. "app/backend/Dockerfile"`,
    });
  }
}

/**
 * Probes used under Pulumi mocks when none are injected: a running Minikube with the Docker
 * runtime, kind cluster "kind", a reachable host daemon. Other components' unit tests can then
 * create an AppImage without minikube installed; real deployments always use the real CLIs.
 */
export const mockEnvironmentProbes: ImageProbes = {
  minikubeProfiles: () => ({
    ok: true,
    stdout: JSON.stringify({
      valid: [{ Name: "minikube", Status: "OK", Config: { KubernetesConfig: { ContainerRuntime: "docker" } } }],
    }),
  }),
  minikubeVersion: () => ({ ok: true, stdout: '{"commit":"mock","minikubeVersion":"v1.38.1"}\n' }),
  minikubeDockerEnv: (profile) => ({
    ok: true,
    stdout: `DOCKER_TLS_VERIFY=1\nDOCKER_HOST=tcp://192.168.49.2:2376\nDOCKER_CERT_PATH=/root/.minikube/certs\nMINIKUBE_ACTIVE_DOCKERD=${profile}\n`,
  }),
  kindClusters: () => ({ ok: true, stdout: "kind\n" }),
  hostDocker: () => ({ ok: true, stdout: "20.10.0\n" }),
  fileExists: systemProbes.fileExists,
  dockerDaemonId: () => ({ ok: true, stdout: "MOCK:MINIKUBE:ENGINE\n" }),
  containerId: (name) => ({ ok: true, stdout: `mock-container-${name}\n` }),
};

// pulumi.runtime.setMocks installs a MockMonitor; a real engine never does.
function runningUnderMocks(): boolean {
  const monitor = pulumi.runtime.getMonitor() as { constructor?: { name?: string } } | undefined;
  return monitor?.constructor?.name === "MockMonitor";
}

/** The docker-build arguments shared by every host-built plan, exported for the real-Docker test. */
export function hostBuildArgs(args: AppImageArgs, tags: string[], push: boolean): dockerBuild.ImageArgs {
  return {
    tags,
    context: { location: args.context },
    dockerfile: { location: join(args.context, args.dockerfile) },
    buildArgs: args.buildArgs,
    buildOnPreview: args.buildOnPreview ?? false,
    push,
    // push:false images are loaded into the host daemon, where `minikube image load`/`kind load` read them.
    load: !push,
  };
}

interface Delivered {
  imageRef: pulumi.Output<string>;
}

function deliver(
  name: string,
  args: AppImageArgs,
  plan: DeliveryPlan,
  tag: string,
  hashHex: string,
  parent: pulumi.Resource,
  cluster: string | undefined,
): Delivered {
  switch (plan.kind) {
    case "minikube-docker-env": {
      // The daemon address is asked for when the build runs, never kept in state: it changes on
      // every `minikube start` with the Docker driver on macOS and Windows (minikube#6824).
      const build = new command.local.Command(
        name,
        {
          interpreter: MINIKUBE_BUILD_INTERPRETER,
          create: JSON.stringify(minikubeBuildRequest(args, plan.profile, tag)),
          dir: PROJECT_ROOT,
          // A re-created Minikube has a new Docker engine without our images: build into it again
          // even though the tag is unchanged. A restart keeps the engine, so nothing re-runs.
          triggers: cluster ? [tag, cluster] : [tag],
          logging: "stderr",
          addPreviousOutputInEnv: false,
        },
        { parent },
      );
      // urn is known in preview, so the chart shows the exact new tag; the dependency makes the
      // release wait for the build.
      return { imageRef: build.urn.apply(() => tag) };
    }
    case "minikube-image-load":
    case "kind-load": {
      // Rebuilt for a re-created cluster too: the host copy may have been pruned since the last
      // build, and `minikube image load --daemon` must find it there.
      const image = new dockerBuild.Image(name, hostBuildArgs(args, [tag], false), {
        parent,
        replacementTrigger: cluster,
      });
      const load = new command.local.Command(
        `${name}-load`,
        {
          create: loadCommandFor(plan, tag),
          // Re-runs only when the content tag changes or the cluster was re-created (it then has
          // none of our images), never on an unchanged `up`.
          triggers: cluster ? [tag, cluster] : [tag],
        },
        { parent, dependsOn: [image] },
      );
      return { imageRef: pulumi.all([image.urn, load.urn]).apply(() => tag) };
    }
    case "registry": {
      const repository = registryRepository(plan.registry, args.imageName);
      const address = plan.registry.split("/")[0] ?? plan.registry;
      const { imageRegistryUsername: username, imageRegistryPassword: password } = args.loader;
      const image = new dockerBuild.Image(
        name,
        {
          ...hostBuildArgs(args, [`${repository}:${hashHex}`], true),
          registries: username && password ? [{ address, username, password: pulumi.secret(password) }] : undefined,
        },
        { parent },
      );
      return { imageRef: image.digest.apply((digest) => `${repository}@${digest}`) };
    }
    case "host-daemon": {
      const image = new dockerBuild.Image(name, hostBuildArgs(args, [tag], false), { parent });
      return { imageRef: image.urn.apply(() => tag) };
    }
    default: {
      const unknown: never = plan;
      throw new Error(`unknown delivery plan ${JSON.stringify(unknown)}`);
    }
  }
}

export class AppImage extends pulumi.ComponentResource {
  /** The exact reference the chart must use (tag, or digest for the registry loader). */
  readonly imageRef: pulumi.Output<string>;
  /** Pull policy matching the loader: never one that makes the kubelet pull a local-only image. */
  readonly pullPolicy: pulumi.Output<PullPolicy>;
  /** `<imageName>:<content hash>` */
  readonly tag: pulumi.Output<string>;

  constructor(name: string, args: AppImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("todo-platform:image:AppImage", name, {}, opts);
    validateAppImageArgs(args);
    const probes = args.probes ?? (runningUnderMocks() ? mockEnvironmentProbes : systemProbes);
    // Pre-flight first: a stopped Minikube or a missing Dockerfile fails here, before any build.
    const plan = planDelivery(args.loader, join(args.context, args.dockerfile), probes);
    if (plan.kind === "minikube-docker-env" || plan.kind === "minikube-image-load") {
      const warning = minikubeVersionWarning(probes);
      if (warning) pulumi.log.warn(warning, this);
    }
    const hash = hashBuildContext({ context: args.context, dockerfile: args.dockerfile, buildArgs: args.buildArgs });
    const tag = contentTag(args.imageName, hash.digest);
    const hashHex = tag.slice(args.imageName.length + 1);

    this.tag = pulumi.output(tag);
    this.imageRef = deliver(name, args, plan, tag, hashHex, this, clusterIdentity(plan, probes)).imageRef;
    this.pullPolicy = pulumi.output<PullPolicy>(pullPolicyFor(plan));
    this.registerOutputs({ imageRef: this.imageRef, pullPolicy: this.pullPolicy, tag: this.tag });
  }
}
