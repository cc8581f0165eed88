// The real answers to the pre-flight questions: short, time-limited CLI calls.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

import type { ImageProbes, ProbeOutcome } from "./delivery-plan";
import type { DockerEnv } from "./minikube";

function runProbe(command: string, args: string[], timeoutMs = 20_000, env?: NodeJS.ProcessEnv): ProbeOutcome {
  try {
    const stdout = execFileSync(command, args, {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      timeout: timeoutMs,
      env,
    });
    return { ok: true, stdout };
  } catch (error) {
    const err = error as NodeJS.ErrnoException & { stderr?: string; stdout?: string };
    if (err.code === "ENOENT") return { ok: false, notInstalled: true, message: `${command} not found on PATH` };
    return { ok: false, notInstalled: false, message: (err.stderr || err.stdout || err.message).toString() };
  }
}

export const systemProbes: ImageProbes = {
  minikubeProfiles: () => runProbe("minikube", ["profile", "list", "-o", "json"]),
  minikubeVersion: () => runProbe("minikube", ["version", "-o", "json"]),
  minikubeDockerEnv: (profile) => runProbe("minikube", ["docker-env", "--shell", "none", "-p", profile]),
  kindClusters: () => runProbe("kind", ["get", "clusters"]),
  hostDocker: () => runProbe("docker", ["info", "--format", "{{.ServerVersion}}"]),
  fileExists: (path) => existsSync(path),
  dockerDaemonId: (dockerEnv) => runProbe("docker", ["info", "--format", "{{.ID}}"], 20_000, dockerEnvVars(dockerEnv)),
  containerId: (name) => runProbe("docker", ["inspect", "--format", "{{.Id}}", name]),
};

/** The process environment pointed at Minikube's daemon (what `eval $(minikube docker-env)` sets). */
function dockerEnvVars(dockerEnv: DockerEnv | undefined): NodeJS.ProcessEnv | undefined {
  if (!dockerEnv) return undefined;
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: dockerEnv.host };
  if (dockerEnv.tlsVerify) env.DOCKER_TLS_VERIFY = "1";
  if (dockerEnv.certPath) env.DOCKER_CERT_PATH = dockerEnv.certPath;
  return env;
}
