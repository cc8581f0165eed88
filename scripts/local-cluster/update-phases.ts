// Where a `pulumi up` spends its time, from the engine's events as they arrived: each resource's
// step from its pre-event to its outputs event, and the engine's own share (program start, plugin
// loads, planning, state writes) as the time no resource step was running.

export interface TimedEvent {
  /** When this process received it (ms, any clock shared with the update's start and end). */
  atMs: number;
  phase: "pre" | "outputs";
  /** `type::name`, e.g. docker-build:index:Image::backend. */
  resource: string;
}

export interface UpdatePhases {
  totalMs: number;
  /** Resource steps that ran, longest first. */
  resources: { resource: string; ms: number }[];
  /** Time inside the update when no resource step was running. */
  engineMs: number;
}

export function updatePhases(events: readonly TimedEvent[], startMs: number, endMs: number): UpdatePhases {
  const started = new Map<string, number>();
  const intervals: { resource: string; from: number; to: number }[] = [];
  for (const event of [...events].sort((a, b) => a.atMs - b.atMs)) {
    if (event.phase === "pre") started.set(event.resource, event.atMs);
    else {
      const from = started.get(event.resource);
      if (from === undefined) continue;
      started.delete(event.resource);
      intervals.push({ resource: event.resource, from, to: event.atMs });
    }
  }
  // A step still open at the end (the update failed inside it) runs to the end.
  for (const [resource, from] of started) intervals.push({ resource, from, to: endMs });
  let busyMs = 0;
  let reach = startMs;
  for (const { from, to } of [...intervals].sort((a, b) => a.from - b.from)) {
    const begin = Math.max(from, reach);
    if (to > begin) busyMs += to - begin;
    reach = Math.max(reach, to);
  }
  return {
    totalMs: endMs - startMs,
    resources: intervals
      .map(({ resource, from, to }) => ({ resource, ms: to - from }))
      .filter(({ ms }) => ms > 0)
      .sort((a, b) => b.ms - a.ms),
    engineMs: Math.max(0, endMs - startMs - busyMs),
  };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** One line: total, the resources over 100 ms, and the engine's own share. */
export function formatPhases(name: string, phases: UpdatePhases): string {
  const steps = phases.resources.filter(({ ms }) => ms >= 100).map(({ resource, ms }) => `${resource} ${seconds(ms)}`);
  return `${name}: ${seconds(phases.totalMs)} in all; ${steps.join(", ") || "no resource step"}; the engine's own ${seconds(phases.engineMs)}`;
}
