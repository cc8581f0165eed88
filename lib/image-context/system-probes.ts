// The real answers to the pre-flight questions: short, time-limited CLI calls.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

import type { ImageProbes, ProbeOutcome } from "./delivery-plan";

function runProbe(command: string, args: string[], timeoutMs = 20_000): ProbeOutcome {
  try {
    const stdout = execFileSync(command, args, {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      timeout: timeoutMs,
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
  minikubeDockerEnv: (profile) => runProbe("minikube", ["docker-env", "--shell", "none", "-p", profile]),
  kindClusters: () => runProbe("kind", ["get", "clusters"]),
  hostDocker: () => runProbe("docker", ["info", "--format", "{{.ServerVersion}}"]),
  fileExists: (path) => existsSync(path),
};
