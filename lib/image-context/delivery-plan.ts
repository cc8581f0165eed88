// How an image reaches the cluster, decided before any build from the loader config and a few
// environment probes (minikube, kind, the host Docker daemon). Pure over the probes, so every
// failure message and every plan is tested with fakes.
import type { ImagesConfig } from "../../config/images";
import { LAPTOP_VERSIONS, versionWarning } from "../laptop-versions";
import { shellQuote } from "../shell";
import {
  type DockerEnv,
  findMinikubeProfile,
  parseDockerEnv,
  parseMinikubeVersion,
  profileStatusProblem,
} from "./minikube";

/** The result of running one external command. */
export type ProbeOutcome =
  | { ok: true; stdout: string }
  /** notInstalled: the binary is not on PATH (ENOENT). */
  | { ok: false; notInstalled: boolean; message: string };

/** The environment questions the plan depends on; `systemProbes` answers them for real. */
export interface ImageProbes {
  /** `minikube profile list -o json` */
  minikubeProfiles(): ProbeOutcome;
  /** `minikube version -o json` */
  minikubeVersion(): ProbeOutcome;
  /** `minikube docker-env --shell none -p <profile>` */
  minikubeDockerEnv(profile: string): ProbeOutcome;
  /** `kind get clusters` */
  kindClusters(): ProbeOutcome;
  /** `docker info` against the host daemon (the one docker-build uses). */
  hostDocker(): ProbeOutcome;
  fileExists(path: string): boolean;
  /** `docker info --format {{.ID}}`: the engine ID of a daemon (the host's, or Minikube's via its env). */
  dockerDaemonId(env?: DockerEnv): ProbeOutcome;
  /** `docker inspect --format {{.Id}} <name>` on the host daemon: a node container's ID. */
  containerId(name: string): ProbeOutcome;
}

export type DeliveryPlan =
  /** Build straight into Minikube's Docker daemon (runtime docker): nothing to load afterwards. */
  | { kind: "minikube-docker-env"; profile: string; dockerEnv: DockerEnv }
  /**
   * Build on the host daemon, then `minikube image load`: runtime containerd / cri-o, and
   * multi-node docker profiles (`minikube docker-env` refuses those; `image load` fills every node).
   */
  | { kind: "minikube-image-load"; profile: string; containerRuntime: string; nodes: number }
  /** Build on the host daemon, then `kind load docker-image`. */
  | { kind: "kind-load"; cluster: string }
  /** Build on the host, push to the registry; the chart references the pushed digest. */
  | { kind: "registry"; registry: string }
  /** Build on the host daemon, which the cluster already sees (Docker Desktop's Kubernetes). */
  | { kind: "host-daemon" };

/** Every problem found before the build, each naming its fix. */
export class ImagePreflightError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`image pre-flight failed:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
    this.name = "ImagePreflightError";
  }
}

const MINIKUBE_INSTALL = "install it (https://minikube.sigs.k8s.io/docs/start/)";
const KIND_INSTALL = "install it (https://kind.sigs.k8s.io/docs/user/quick-start/#installation)";

function hostDockerProblem(probes: ImageProbes): string | undefined {
  const docker = probes.hostDocker();
  if (docker.ok) return undefined;
  if (docker.notInstalled) return "the docker CLI is not installed: install Docker Engine or Docker Desktop";
  return `the Docker daemon is unreachable (${firstLine(docker.message)}): start it (\`sudo systemctl start docker\` or open Docker Desktop) or point DOCKER_HOST at a running daemon`;
}

function planMinikube(profile: string, probes: ImageProbes, problems: string[]): DeliveryPlan | undefined {
  const listed = probes.minikubeProfiles();
  if (!listed.ok) {
    problems.push(
      listed.notInstalled
        ? `minikube is not installed: ${MINIKUBE_INSTALL}, or pick another loader with \`pulumi config set imageLoader kind|registry|none\``
        : `\`minikube profile list\` failed (${firstLine(listed.message)}): run \`minikube start -p ${profile}\``,
    );
    return undefined;
  }
  const found = findMinikubeProfile(listed.stdout, profile);
  if (!found) {
    problems.push(
      `minikube profile "${profile}" does not exist: run \`minikube start -p ${profile}\` (or set \`pulumi config set minikubeProfile <name>\`)`,
    );
    return undefined;
  }
  const statusProblem = profileStatusProblem(profile, found.status);
  if (statusProblem) {
    problems.push(statusProblem);
    return undefined;
  }
  // docker-env exits with MK_ENV_MULTI_CONFLICT on more than one node (cmd/minikube/cmd/docker-env.go).
  if (found.containerRuntime !== "docker" || found.nodes > 1) {
    const hostProblem = hostDockerProblem(probes);
    if (hostProblem) problems.push(`${hostProblem} (images are built on the host, then \`minikube image load\`ed)`);
    return { kind: "minikube-image-load", profile, containerRuntime: found.containerRuntime, nodes: found.nodes };
  }
  const env = probes.minikubeDockerEnv(profile);
  if (!env.ok) {
    problems.push(
      `\`minikube docker-env -p ${profile}\` failed (${firstLine(env.message)}): run \`minikube start -p ${profile}\``,
    );
    return undefined;
  }
  return { kind: "minikube-docker-env", profile, dockerEnv: parseDockerEnv(env.stdout) };
}

/**
 * A warning when the installed minikube is outside the releases the status and docker-env parsing
 * was checked against (lib/laptop-versions.ts); undefined when it is inside or cannot be asked.
 */
export function minikubeVersionWarning(probes: ImageProbes): string | undefined {
  const answer = probes.minikubeVersion();
  if (!answer.ok) return undefined;
  const version = parseMinikubeVersion(answer.stdout);
  return version ? versionWarning("minikube", version, LAPTOP_VERSIONS.minikube) : undefined;
}

function planKind(cluster: string, probes: ImageProbes, problems: string[]): DeliveryPlan | undefined {
  const clusters = probes.kindClusters();
  if (!clusters.ok) {
    problems.push(
      clusters.notInstalled
        ? `kind is not installed: ${KIND_INSTALL}`
        : `\`kind get clusters\` failed (${firstLine(clusters.message)}): check that Docker runs and kind works`,
    );
  } else if (!clusters.stdout.split(/\r?\n/).some((line) => line.trim() === cluster)) {
    problems.push(`kind cluster "${cluster}" does not exist: run \`kind create cluster --name ${cluster}\``);
  }
  const hostProblem = hostDockerProblem(probes);
  if (hostProblem) problems.push(hostProblem);
  return { kind: "kind-load", cluster };
}

/**
 * Checks the environment for the configured loader and returns the delivery plan, or throws an
 * ImagePreflightError listing every problem (missing Dockerfile included) with its fix.
 */
export function planDelivery(config: ImagesConfig, dockerfilePath: string, probes: ImageProbes): DeliveryPlan {
  const problems: string[] = [];
  if (!probes.fileExists(dockerfilePath)) {
    problems.push(
      `Dockerfile not found at ${dockerfilePath}: create it or fix the \`dockerfile\` path (relative to the context)`,
    );
  }
  let plan: DeliveryPlan | undefined;
  switch (config.imageLoader) {
    case "minikube":
      plan = planMinikube(config.minikubeProfile, probes, problems);
      break;
    case "kind":
      plan = planKind(config.kindCluster, probes, problems);
      break;
    case "registry": {
      const hostProblem = hostDockerProblem(probes);
      if (hostProblem) problems.push(hostProblem);
      if (!config.imageRegistry) {
        problems.push(
          "imageLoader is 'registry' but imageRegistry is not set: run `pulumi config set imageRegistry <host>/<path>`",
        );
      }
      plan = { kind: "registry", registry: config.imageRegistry ?? "" };
      break;
    }
    case "none": {
      const hostProblem = hostDockerProblem(probes);
      if (hostProblem) problems.push(hostProblem);
      plan = { kind: "host-daemon" };
      break;
    }
    default: {
      const unknown: never = config.imageLoader;
      throw new Error(`unknown imageLoader ${JSON.stringify(unknown)}`);
    }
  }
  if (problems.length > 0 || !plan) throw new ImagePreflightError(problems);
  return plan;
}

/**
 * The pull policy the chart must use. Images that exist only on the node (minikube, kind) get
 * `Never`: if the load ever did not happen, the pod fails at once with ErrImageNeverPull, which
 * names the cause, instead of the kubelet trying docker.io/library/<name> (a slow ErrImagePull, or
 * worse, a stranger's image of the same name). The content tag already guarantees a new rollout for
 * new content, so `Never` costs nothing. Registry images are immutable digests: IfNotPresent.
 * The host-daemon loader keeps IfNotPresent, as Docker Desktop's Kubernetes shares that daemon.
 */
export function pullPolicyFor(plan: DeliveryPlan): "Never" | "IfNotPresent" {
  switch (plan.kind) {
    case "minikube-docker-env":
    case "minikube-image-load":
    case "kind-load":
      return "Never";
    case "registry":
    case "host-daemon":
      return "IfNotPresent";
    default: {
      const unknown: never = plan;
      throw new Error(`unknown delivery plan ${JSON.stringify(unknown)}`);
    }
  }
}

/**
 * What identifies the cluster instance the images were put into, so a deleted and re-created
 * cluster (same profile, same tag, but none of our images) gets them again: Minikube's Docker
 * engine ID (kept across `minikube stop/start`, new after `minikube delete`), or the ID of the node
 * container of a kind cluster or a container-driver Minikube. Undefined when there is nothing to
 * reload (registry, host daemon) or it cannot be told (a VM driver with containerd): then only the
 * tag decides, as before. Never fails the deploy.
 */
export function clusterIdentity(plan: DeliveryPlan, probes: ImageProbes): string | undefined {
  const answer = (outcome: ProbeOutcome, prefix: string) =>
    outcome.ok && outcome.stdout.trim() ? `${prefix}:${outcome.stdout.trim()}` : undefined;
  switch (plan.kind) {
    case "minikube-docker-env":
      return answer(probes.dockerDaemonId(plan.dockerEnv), "docker-engine");
    case "minikube-image-load":
      return answer(probes.containerId(plan.profile), "node-container");
    case "kind-load":
      return answer(probes.containerId(`${plan.cluster}-control-plane`), "node-container");
    case "registry":
    case "host-daemon":
      return undefined;
    default: {
      const unknown: never = plan;
      throw new Error(`unknown delivery plan ${JSON.stringify(unknown)}`);
    }
  }
}

/** Re-exported: the loader commands quote with the project's one shell quoter. */
export { shellQuote };

/** The shell command that copies a host-built image onto the cluster's nodes, if the plan needs one. */
export function loadCommandFor(plan: DeliveryPlan, tag: string): string | undefined {
  switch (plan.kind) {
    case "minikube-image-load":
      // --daemon alone: from the host daemon only. Without a source flag minikube also tries the
      // remote registry (cmd/minikube/cmd/image.go), and a pruned host image became a failed pull.
      return `minikube image load --daemon ${shellQuote(tag)} -p ${shellQuote(plan.profile)}`;
    case "kind-load":
      return `kind load docker-image ${shellQuote(tag)} --name ${shellQuote(plan.cluster)}`;
    default:
      return undefined;
  }
}

/** `<registry>/<imageName>` without tag. */
export function registryRepository(registry: string, imageName: string): string {
  return `${registry.replace(/\/+$/, "")}/${imageName}`;
}

function firstLine(message: string): string {
  return message.trim().split(/\r?\n/)[0] ?? "";
}
