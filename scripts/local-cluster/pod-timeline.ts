// What the pods of a namespace did during a traffic window, so that a window's failed requests can
// be named (a pod starting, turning Ready, terminating) instead of guessed at: one `kubectl get pods
// --watch` process for the whole window (no polling on the 2 shared cores), each line it prints
// stamped with its arrival on the wall clock.
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

export function watchPods(namespace: string): PodTimeline {
  const lines: TimedLine[] = [];
  const watch = spawn(
    "kubectl",
    ["--context", KUBE_CONTEXT, "-n", namespace, "get", "pods", "--watch", "--output-watch-events", "--no-headers"],
    { env: { ...process.env, KUBECONFIG }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let partial = "";
  const collect = (chunk: Buffer) => {
    const atEpochMs = Date.now();
    const text = partial + chunk.toString();
    const complete = text.split("\n");
    partial = complete.pop() ?? "";
    for (const line of complete) if (line.trim()) lines.push({ atEpochMs, text: line.replace(/\s+/g, " ").trim() });
  };
  watch.stdout.on("data", collect);
  watch.stderr.on("data", collect);
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
