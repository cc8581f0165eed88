// What the pods of a namespace did during a traffic window, so that a window's failed requests can
// be named (a pod starting, turning Ready, terminating) instead of guessed at: one `kubectl get pods
// --watch` process for the whole window (no polling on the 2 shared cores), each line it prints
// stamped with its arrival on the wall clock. JSONPath, not the table: kubectl's table writer held
// a window's lines back and printed them together (seen on the real cluster), a JSONPath line comes
// as the change does.
import { spawn } from "node:child_process";

import { KUBE_CONTEXT, KUBECONFIG } from "./support";

export interface TimedLine {
  atEpochMs: number;
  text: string;
}

export interface PodTimeline {
  /** Ends the watch; returns what it printed, in order. */
  stop(): TimedLine[];
}

/** Name, phase, the Ready condition, and the deletion time once the pod is terminating. */
const POD_LINE =
  '{.metadata.name} {.status.phase} ready={.status.conditions[?(@.type=="Ready")].status} deleting={.metadata.deletionTimestamp}{"\\n"}';

/** One line of the watch, without the empty fields of a pod not yet scheduled or not terminating. */
export function podLine(raw: string): string {
  return raw
    .replace(/ deleting=$/, "")
    .replace(/ deleting=(\S+)$/, " terminating since $1")
    .replace(/ ready=(?= |$)/, "")
    .trim();
}

export function watchPods(namespace: string): PodTimeline {
  const lines: TimedLine[] = [];
  const watch = spawn(
    "kubectl",
    ["--context", KUBE_CONTEXT, "-n", namespace, "get", "pods", "--watch", "-o", `jsonpath=${POD_LINE}`],
    { env: { ...process.env, KUBECONFIG }, stdio: ["ignore", "pipe", "pipe"] },
  );
  const lastByPod = new Map<string, string>();
  // One partial line per stream: a stderr chunk must not join an unfinished stdout line.
  const collector = () => {
    let partial = "";
    return (chunk: Buffer) => {
      const atEpochMs = Date.now();
      const complete = (partial + chunk.toString()).split("\n");
      partial = complete.pop() ?? "";
      for (const raw of complete) {
        const text = podLine(raw);
        const pod = text.split(" ")[0] ?? "";
        if (!text || lastByPod.get(pod) === text) continue; // a change of a field the line leaves out
        lastByPod.set(pod, text);
        lines.push({ atEpochMs, text });
      }
    };
  };
  watch.stdout.on("data", collector());
  watch.stderr.on("data", collector());
  watch.on("error", (error) => lines.push({ atEpochMs: Date.now(), text: `kubectl watch failed: ${error.message}` }));
  return {
    stop() {
      watch.kill();
      return lines;
    },
  };
}

/**
 * The watch's lines as seconds into a window that started at `startedAtEpochMs`; the listing
 * kubectl prints first (the pods as the window found them) shows at 0 s.
 */
export function relativeTimeline(lines: readonly TimedLine[], startedAtEpochMs: number): string[] {
  return lines.map((line) => {
    const seconds = Math.max(0, line.atEpochMs - startedAtEpochMs) / 1000;
    return `${seconds.toFixed(1)} s ${line.text}`;
  });
}
