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
  /** Running, Stopped, Paused, Degraded… as minikube reports it. */
  status: string;
  /** docker, containerd or crio. */
  containerRuntime: string;
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
      Config?: { KubernetesConfig?: { ContainerRuntime?: string } };
    };
    if (item.Name !== profile) continue;
    return {
      name: profile,
      status: item.Status ?? "Unknown",
      // minikube's default runtime is docker; older configs leave the field empty.
      containerRuntime: item.Config?.KubernetesConfig?.ContainerRuntime || "docker",
    };
  }
  return undefined;
}
