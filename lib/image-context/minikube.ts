// Pure parsers for the minikube CLI output the image loader depends on.

/** Connection settings for Minikube's own Docker daemon (`minikube docker-env`). */
export interface DockerEnv {
  /** DOCKER_HOST, e.g. tcp://192.168.49.2:2376. */
  host: string;
  /** DOCKER_CERT_PATH: directory holding ca.pem, cert.pem and key.pem. */
  certPath?: string;
  /** DOCKER_TLS_VERIFY=1. */
  tlsVerify: boolean;
}

/**
 * Parses `minikube docker-env --shell none -p <profile>` (KEY=VALUE lines). Also tolerates the
 * `export KEY="VALUE"` form of the POSIX shells so a user's pasted output parses too.
 */
export function parseDockerEnv(output: string): DockerEnv {
  const values = new Map<string, string>();
  for (const rawLine of output.split(/\r?\n/)) {
    const line = rawLine.trim().replace(/^export\s+/, "");
    if (line === "" || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    let value = line.slice(eq + 1).trim();
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0])) {
      value = value.slice(1, -1);
    }
    values.set(line.slice(0, eq).trim(), value);
  }
  const host = values.get("DOCKER_HOST");
  if (!host) {
    throw new Error(`minikube docker-env printed no DOCKER_HOST; got:\n${output.trim() || "(nothing)"}`);
  }
  const certPath = values.get("DOCKER_CERT_PATH") || undefined;
  const tlsVerify = values.get("DOCKER_TLS_VERIFY") === "1";
  if (tlsVerify && !certPath) {
    throw new Error(
      "minikube docker-env sets DOCKER_TLS_VERIFY=1 but no DOCKER_CERT_PATH; run `minikube update-context`",
    );
  }
  return { host, certPath, tlsVerify };
}

export interface MinikubeProfile {
  name: string;
  /** OK, Running, HAppy, Stopped, Paused, Degraded… as minikube reports it. */
  status: string;
  /** docker, containerd or crio. */
  containerRuntime: string;
  /** Nodes in the profile's config: `minikube docker-env` refuses a profile with more than one. */
  nodes: number;
}

/** Finds one profile in `minikube profile list -o json`; undefined when it does not exist. */
export function findMinikubeProfile(output: string, profile: string): MinikubeProfile | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(output);
  } catch {
    throw new Error(`minikube profile list -o json printed no JSON:\n${output.trim().slice(0, 500)}`);
  }
  const groups = parsed as { valid?: unknown[]; invalid?: unknown[] } | null;
  for (const candidate of [...(groups?.valid ?? []), ...(groups?.invalid ?? [])]) {
    const item = candidate as {
      Name?: string;
      Status?: string;
      Config?: { KubernetesConfig?: { ContainerRuntime?: string }; Nodes?: unknown[] | null };
    };
    if (item.Name !== profile) continue;
    return {
      name: profile,
      // An invalid profile (a broken config) has no status at all.
      status: item.Status || "Unknown",
      // minikube's default runtime is docker; older configs leave the field empty.
      containerRuntime: item.Config?.KubernetesConfig?.ContainerRuntime || "docker",
      nodes: Array.isArray(item.Config?.Nodes) ? Math.max(1, item.Config.Nodes.length) : 1,
    };
  }
  return undefined;
}

/**
 * The statuses of a profile whose cluster answers. Since v1.35.0 (kubernetes/minikube#18998)
 * `profile list` derives the status from cluster.GetState, whose codeNames
 * (pkg/minikube/cluster/status.go) call a running cluster "OK" and a healthy HA cluster "HAppy";
 * releases before that printed "Running", which statusCode() still maps to OK.
 */
export const RUNNING_STATUSES: readonly string[] = ["OK", "Running", "HAppy"];

/**
 * Why a profile with this status cannot take a deploy, and what fixes it; undefined when it can.
 * The names are minikube's codeNames (v1.38.1 pkg/minikube/cluster/status.go), plus the legacy
 * "Misconfigured" and the "Unknown" an unreadable or invalid profile gets.
 */
export function profileStatusProblem(profile: string, status: string): string | undefined {
  if (RUNNING_STATUSES.includes(status)) return undefined;
  const p = `-p ${profile}`;
  const prefix = `minikube profile "${profile}" is not running (status ${status})`;
  switch (status) {
    case "Stopped":
    case "NotFound":
      return `${prefix}: run \`minikube start ${p}\``;
    case "Paused":
      return `${prefix}: its containers are paused; run \`minikube unpause ${p}\``;
    case "Starting":
    case "Stopping":
    case "Pausing":
    case "Unpausing":
    case "Deleting":
      return `${prefix}: another minikube command is still at work on it; wait until \`minikube status ${p}\` settles, then run \`pulumi up\` again`;
    case "Degraded":
      return `${prefix}: an HA control plane with only two healthy control-plane nodes; \`minikube status ${p}\` names the stopped one, start it with \`minikube node start <node> ${p}\``;
    case "InsufficientStorage":
      return `${prefix}: /var in the node is almost out of disk space; free it with \`minikube ssh ${p} -- docker system prune -a\` (docker runtime) or \`minikube delete ${p}\` and start again`;
    case "Misconfigured":
      return `${prefix}: the kubeconfig entry points elsewhere; run \`minikube update-context ${p}\``;
    default:
      return `${prefix}: \`minikube status ${p}\` says which component failed; \`minikube start ${p}\` restarts it, and \`minikube logs ${p}\` tells why`;
  }
}

/** The version in `minikube version -o json` ({"commit":…,"minikubeVersion":"v1.38.1"}, cmd/minikube/cmd/version.go). */
export function parseMinikubeVersion(output: string): string | undefined {
  try {
    const doc = JSON.parse(output) as { minikubeVersion?: unknown };
    return typeof doc.minikubeVersion === "string" ? doc.minikubeVersion : undefined;
  } catch {
    return undefined;
  }
}
