// Helm's atomic rollback deletes a failed rollout's pods before Pulumi calls the error hook, so by
// then their state and logs are gone. The watch polls a release's pods while its create/update runs
// and keeps the last look at every pod that crashed, for the diagnosis of a failed deploy.
import { logTail, readPods } from "./facts";
import type { KubeTarget } from "./kubectl";
import type { ContainerFacts, PodFacts } from "./types";
import { CRITICAL_WAITING_REASONS } from "./verdict";

/** A container that crashed or cannot run, as opposed to one that is merely still starting. */
export function hasCrashed(container: ContainerFacts): boolean {
  return (
    container.restartCount > 0 ||
    (container.waitingReason !== undefined && CRITICAL_WAITING_REASONS.has(container.waitingReason)) ||
    container.terminatedReason === "OOMKilled" ||
    (container.exitCode !== undefined && container.exitCode !== 0)
  );
}

/** Which log tail a container state needs: a new one after each restart. */
const logKey = (pod: string, container: ContainerFacts) => `${pod}/${container.name}#${container.restartCount}`;

/**
 * Folds one look at the pods into what was seen: the latest state of every pod with a crashed
 * container, keeping log tails already read for the same run. Returns the containers that still
 * need their log tail read.
 */
export function recordCrashedPods(
  seen: Map<string, PodFacts>,
  tails: Map<string, string>,
  snapshot: PodFacts[],
): Array<{ pod: string; container: ContainerFacts }> {
  const needTail: Array<{ pod: string; container: ContainerFacts }> = [];
  for (const pod of snapshot) {
    const before = seen.get(pod.name);
    // A pod being deleted ends Failed or terminated: the look before says why it failed.
    if (before && pod.deleting) continue;
    if (!pod.containers.some(hasCrashed)) continue;
    const copy: PodFacts = { ...pod, containers: pod.containers.map((c) => withWorstWaiting(c, before)) };
    for (const container of copy.containers.filter(hasCrashed)) {
      const key = logKey(pod.name, container);
      if (tails.has(key)) container.logTail = tails.get(key);
      else {
        // Until this run's tail is read (it may never be: the runtime removes old runs), the last
        // run's tail stands; a crash loop prints the same crash each time.
        container.logTail = before?.containers.find((c) => c.name === container.name)?.logTail;
        needTail.push({ pod: pod.name, container });
      }
    }
    seen.set(pod.name, copy);
  }
  return needTail;
}

/**
 * A crash-looping container is between restarts only part of the time (running, then terminated):
 * once seen in a critical waiting state such as CrashLoopBackOff, that is what the record keeps.
 */
function withWorstWaiting(container: ContainerFacts, before: PodFacts | undefined): ContainerFacts {
  const critical = (c?: ContainerFacts) =>
    c?.waitingReason !== undefined && CRITICAL_WAITING_REASONS.has(c.waitingReason);
  const earlier = before?.containers.find((c) => c.name === container.name);
  if (critical(container) || !critical(earlier)) return { ...container };
  return { ...container, waitingReason: earlier?.waitingReason, waitingMessage: earlier?.waitingMessage };
}

export interface RolloutWatchOptions {
  /** @default 2000 */
  intervalMs?: number;
  /** Seams for tests. */
  readPodsFn?: (target: KubeTarget, selector: string) => Promise<PodFacts[]>;
  logTailFn?: (target: KubeTarget, pod: string, container: ContainerFacts) => Promise<string | undefined>;
}

interface Run {
  target: KubeTarget;
  selector: string;
  seen: Map<string, PodFacts>;
  tails: Map<string, string>;
  timer?: NodeJS.Timeout;
  polling?: Promise<void>;
  stopped: boolean;
}

/** One watch per deploy; runs are keyed by the resource's URN. */
export class RolloutWatch {
  private readonly runs = new Map<string, Run>();
  private readonly intervalMs: number;
  private readonly readPodsFn: NonNullable<RolloutWatchOptions["readPodsFn"]>;
  private readonly logTailFn: NonNullable<RolloutWatchOptions["logTailFn"]>;

  constructor(options: RolloutWatchOptions = {}) {
    this.intervalMs = options.intervalMs ?? 2_000;
    this.readPodsFn = options.readPodsFn ?? readPods;
    this.logTailFn = options.logTailFn ?? logTail;
  }

  /** Starts polling the pods `selector` matches; a second start for the same key keeps the first. */
  start(key: string, target: KubeTarget, selector: string): void {
    if (this.runs.has(key)) return;
    const run: Run = { target, selector, seen: new Map(), tails: new Map(), stopped: false };
    this.runs.set(key, run);
    this.schedule(run, 0);
  }

  /** Stops the run and returns the crashed pods it saw (none when it never started). */
  async stop(key: string): Promise<PodFacts[]> {
    const run = this.runs.get(key);
    if (!run) return [];
    this.runs.delete(key);
    run.stopped = true;
    clearTimeout(run.timer);
    await run.polling;
    return [...run.seen.values()];
  }

  private schedule(run: Run, delayMs: number): void {
    if (run.stopped) return;
    run.timer = setTimeout(() => {
      run.polling = this.poll(run).finally(() => this.schedule(run, this.intervalMs));
    }, delayMs);
    // A watch never keeps the program alive: the engine's pending step does.
    run.timer.unref();
  }

  private async poll(run: Run): Promise<void> {
    try {
      const needTail = recordCrashedPods(run.seen, run.tails, await this.readPodsFn(run.target, run.selector));
      await Promise.all(
        needTail.map(async ({ pod, container }) => {
          const tail = await this.logTailFn(run.target, pod, container).catch(() => undefined);
          // An unread tail (logs not there yet) is tried again at the next look.
          if (tail === undefined) return;
          run.tails.set(logKey(pod, container), tail);
          container.logTail = tail;
        }),
      );
    } catch {
      // A failed look (API server busy, kubectl deadline) is retried at the next tick.
    }
  }
}
