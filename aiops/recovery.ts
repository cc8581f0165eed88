// Stuck Helm releases (pulumi-kubernetes#2054): an interrupted deploy leaves the release in
// pending-install/upgrade/rollback and every later deploy fails with "another operation is in
// progress". Recovery: roll back to the last deployed revision, then let the deploy retry once.

import { onPath } from "./analyzers/path";
import { describeFailure, runProgram } from "./exec";
import { kubectlJson } from "./kubectl";

export const STUCK_RELEASE_PATTERN = /another operation \(install\/upgrade\/rollback\) is in progress/i;

export function isStuckReleaseError(message: string): boolean {
  return STUCK_RELEASE_PATTERN.test(message);
}

export interface ReleaseTarget {
  release: string;
  namespace: string;
  context?: string;
  env?: NodeJS.ProcessEnv;
}

export type RecoveryResult =
  | { action: "rolled-back"; revision: number; message: string }
  | { action: "not-stuck"; message: string }
  | { action: "manual"; command: string; message: string }
  | { action: "failed"; message: string };

interface HelmRevision {
  revision: number;
  status: string;
}

/** The revision to return to: the newest one that was deployed (superseded counts: it once was). */
export function lastDeployedRevision(history: HelmRevision[]): number | undefined {
  const good = history.filter((h) => h.status === "deployed" || h.status === "superseded");
  return good.sort((a, b) => b.revision - a.revision)[0]?.revision;
}

function helmArgs(target: ReleaseTarget, args: string[]): string[] {
  return [...args, "--namespace", target.namespace, ...(target.context ? ["--kube-context", target.context] : [])];
}

export function rollbackCommand(target: ReleaseTarget, revision: number | undefined): string {
  return [
    "helm",
    ...helmArgs(target, ["rollback", target.release, revision === undefined ? "<REVISION>" : String(revision)]),
  ].join(" ");
}

async function helmJson<T>(target: ReleaseTarget, args: string[]): Promise<T> {
  const result = await runProgram("helm", helmArgs(target, [...args, "--output", "json"]), {
    env: target.env,
    timeoutMs: 60_000,
  });
  if (result.exitCode !== 0) throw new Error(describeFailure(`helm ${args.join(" ")}`, result, 60_000));
  return JSON.parse(result.stdout) as T;
}

/** Without helm, read the revision from Helm's release Secrets so the printed command is exact. */
async function revisionFromReleaseSecrets(target: ReleaseTarget): Promise<number | undefined> {
  try {
    const list = await kubectlJson<{ items?: { metadata: { labels?: Record<string, string> } }[] }>(
      { namespace: target.namespace, context: target.context, env: target.env },
      ["get", "secrets", "--selector", `owner=helm,name=${target.release}`],
    );
    return lastDeployedRevision(
      (list.items ?? []).map((s) => ({
        revision: Number(s.metadata.labels?.version),
        status: s.metadata.labels?.status ?? "",
      })),
    );
  } catch {
    return undefined;
  }
}

export async function recoverStuckRelease(target: ReleaseTarget): Promise<RecoveryResult> {
  const env = target.env ?? process.env;
  if (!onPath("helm", env)) {
    const command = rollbackCommand(target, await revisionFromReleaseSecrets(target));
    return {
      action: "manual",
      command,
      message: `release ${target.release} is stuck in a pending operation and helm is not on PATH; run: ${command}`,
    };
  }
  try {
    const status = await helmJson<{ info?: { status?: string } }>(target, ["status", target.release]);
    const state = status.info?.status ?? "unknown";
    if (!state.startsWith("pending-")) {
      return {
        action: "not-stuck",
        message: `release ${target.release} is ${state}, not pending; nothing rolled back`,
      };
    }
    const revision = lastDeployedRevision(await helmJson<HelmRevision[]>(target, ["history", target.release]));
    if (revision === undefined) {
      const command = `helm uninstall ${target.release} --namespace ${target.namespace}`;
      return {
        action: "manual",
        command,
        message: `release ${target.release} is ${state} with no deployed revision to return to; uninstall it: ${command}`,
      };
    }
    const result = await runProgram("helm", helmArgs(target, ["rollback", target.release, String(revision)]), {
      env,
      timeoutMs: 300_000,
    });
    if (result.exitCode !== 0) {
      return { action: "failed", message: describeFailure(rollbackCommand(target, revision), result, 300_000) };
    }
    return {
      action: "rolled-back",
      revision,
      message: `release ${target.release} was stuck in ${state}; rolled back to revision ${revision} (${rollbackCommand(target, revision)})`,
    };
  } catch (error) {
    return { action: "failed", message: (error as Error).message };
  }
}
