// A thin kubectl client: every call names the context and namespace explicitly and has a deadline.
import { describeFailure, type RunResult, runProgram } from "./exec";

export interface KubeTarget {
  namespace: string;
  /** kubeconfig context; the current context when unset. */
  context?: string;
  env?: NodeJS.ProcessEnv;
  /** Deadline for each kubectl call. @default 30000 */
  callTimeoutMs?: number;
}

export function kubectlArgs(target: KubeTarget, args: string[]): string[] {
  const base = target.context ? ["--context", target.context] : [];
  return [...base, "--namespace", target.namespace, ...args];
}

export async function kubectl(target: KubeTarget, args: string[], input?: string): Promise<RunResult> {
  return runProgram("kubectl", kubectlArgs(target, args), {
    env: target.env,
    timeoutMs: target.callTimeoutMs ?? 30_000,
    input,
  });
}

/** Runs kubectl and parses its JSON output; throws a one-line reason on any failure. */
export async function kubectlJson<T>(target: KubeTarget, args: string[]): Promise<T> {
  const result = await kubectl(target, [...args, "--output", "json"]);
  if (result.exitCode !== 0) {
    throw new Error(describeFailure(`kubectl ${args.join(" ")}`, result, target.callTimeoutMs ?? 30_000));
  }
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`kubectl ${args.join(" ")} printed something that is not JSON`);
  }
}
