// A kubeconfig holding exactly one context, for tools that have no --context flag (kubectl-ai): without
// it they would silently analyse whatever kubectl's current context is, maybe another cluster. The file
// holds credentials (`--flatten` inlines them), so it lives in a private temp dir and is removed after.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeFailure, runProgram } from "./exec";

export interface PinnedKubeconfig {
  /** The kubeconfig file (mode 0600). */
  path: string;
  /** Its private directory (mode 0700), for other per-run files that must go with it. */
  dir: string;
  context: string;
  remove(): void;
}

interface KubeconfigDoc {
  contexts?: { name?: string }[];
  "current-context"?: string;
}

/** The `kubectl config view` arguments that print only `context` (the current one when unset), credentials inlined. */
export function configViewArgs(context?: string): string[] {
  return ["config", "view", "--minify", "--flatten", ...(context ? ["--context", context] : []), "--output", "json"];
}

/**
 * The kubeconfig text pinned to one context, from `kubectl config view --minify` JSON. Pure. Refuses
 * anything but exactly the asked-for context, and sets current-context itself rather than trusting
 * that --minify did.
 */
export function pinToContext(json: string, context?: string): { text: string; context: string } | { problem: string } {
  let doc: KubeconfigDoc;
  try {
    doc = JSON.parse(json) as KubeconfigDoc;
  } catch {
    return { problem: "kubectl config view printed something that is not JSON" };
  }
  const names = (doc.contexts ?? []).map((c) => c.name).filter((n): n is string => Boolean(n));
  if (names.length !== 1 || (context && names[0] !== context)) {
    return {
      problem: `kubectl config view --minify returned the contexts [${names.join(", ")}], not exactly ${context ?? "the current one"}`,
    };
  }
  const pinned = names[0] as string;
  return { text: JSON.stringify({ ...doc, "current-context": pinned }), context: pinned };
}

/** Writes the pinned kubeconfig; a problem (never a throw) when kubectl cannot produce it. */
export async function writePinnedKubeconfig(options: {
  context?: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
}): Promise<PinnedKubeconfig | { problem: string }> {
  const args = configViewArgs(options.context);
  const result = await runProgram("kubectl", args, { env: options.env, timeoutMs: options.timeoutMs });
  if (result.exitCode !== 0 || result.timedOut) {
    return { problem: describeFailure(`kubectl ${args.join(" ")}`, result, options.timeoutMs) };
  }
  const pinned = pinToContext(result.stdout, options.context);
  if ("problem" in pinned) return pinned;
  // mkdtemp creates the directory 0700; the file is 0600 whatever the umask adds.
  const dir = mkdtempSync(join(tmpdir(), "aiops-kubeconfig-"));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  const path = join(dir, "kubeconfig");
  try {
    writeFileSync(path, pinned.text, { mode: 0o600 });
  } catch (error) {
    remove();
    return { problem: `could not write the pinned kubeconfig: ${(error as Error).message}` };
  }
  return { path, dir, context: pinned.context, remove };
}
