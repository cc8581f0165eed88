// The Minikube pre-flight of scripts/e2e-minikube.sh: asks `minikube profile list -o json` for one
// profile and judges its status with the program's own rules (lib/image-context/minikube.ts), so
// the script and `pulumi up` accept and refuse the same statuses with the same advice.
//
//   node -r ts-node/register/transpile-only scripts/minikube-profile-status.ts <profile>
//
// Exit 0, status on stdout: the profile runs (OK since minikube v1.35, Running before, HAppy for a
//   healthy HA cluster).
// Exit 3, message on stdout: no such profile (the script then starts one).
// Exit 1, message on stdout: the profile exists but cannot take a deploy (Stopped, Paused,
//   Degraded…), with the fix (`minikube start -p`, `minikube unpause -p`, the stopped node…).
// Exit 2, message on stdout: minikube is missing or `profile list` failed.
import { type SpawnSyncReturns, spawnSync } from "node:child_process";

import { findMinikubeProfile, profileStatusProblem } from "../lib/image-context/minikube";

export interface ProfileVerdict {
  code: 0 | 1 | 2 | 3;
  message: string;
}

/** The verdict on one profile from the outcome of `minikube profile list -o json`. Pure. */
export function judgeProfile(
  profile: string,
  listed: Pick<SpawnSyncReturns<string>, "status" | "stdout" | "stderr" | "error">,
): ProfileVerdict {
  if ((listed.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT") {
    return { code: 2, message: "minikube is not installed: install it (https://minikube.sigs.k8s.io/docs/start/)" };
  }
  if (listed.status !== 0) {
    // On failure minikube still prints {"error":…} on stdout (cmd/minikube/cmd/config/profile_list.go).
    const said = `${listed.stdout ?? ""}`.trim() || `${listed.stderr ?? ""}`.trim();
    return {
      code: 2,
      message: `\`minikube profile list -o json\` exited with ${listed.status ?? "a signal"}${said ? `: ${said.split(/\r?\n/)[0]}` : ""}`,
    };
  }
  let found: ReturnType<typeof findMinikubeProfile>;
  try {
    found = findMinikubeProfile(listed.stdout, profile);
  } catch (error) {
    return { code: 2, message: (error as Error).message };
  }
  if (!found) return { code: 3, message: `minikube profile "${profile}" does not exist` };
  const problem = profileStatusProblem(profile, found.status);
  return problem ? { code: 1, message: problem } : { code: 0, message: found.status };
}

if (require.main === module) {
  const profile = process.argv[2];
  if (!profile) {
    process.stdout.write("usage: minikube-profile-status.ts <profile>\n");
    process.exit(2);
  }
  const listed = spawnSync("minikube", ["profile", "list", "-o", "json"], { encoding: "utf8", timeout: 120_000 });
  const verdict = judgeProfile(profile, listed);
  process.stdout.write(`${verdict.message}\n`);
  process.exitCode = verdict.code;
}
