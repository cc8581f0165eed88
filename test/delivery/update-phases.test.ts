// The phases of a `pulumi up` from its events (scripts/local-cluster/update-phases.ts), on
// hand-written event sequences: overlapping steps, a step left open by a failure, noise.
import { describe, expect, it } from "vitest";

import { formatPhases, type TimedEvent, updatePhases } from "../../scripts/local-cluster/update-phases";

const at = (atMs: number, phase: TimedEvent["phase"], resource: string): TimedEvent => ({ atMs, phase, resource });

describe("updatePhases", () => {
  it("counts overlapping resource steps once when it works out the engine's own time", () => {
    const phases = updatePhases(
      [
        at(1_000, "pre", "Image::backend"),
        at(1_500, "pre", "Image::frontend"),
        at(6_000, "outputs", "Image::frontend"),
        at(9_000, "outputs", "Image::backend"),
        at(9_200, "pre", "Release::backend"),
        at(15_200, "outputs", "Release::backend"),
      ],
      0,
      16_000,
    );
    expect(phases.totalMs).toBe(16_000);
    expect(phases.resources).toEqual([
      { resource: "Image::backend", ms: 8_000 },
      { resource: "Release::backend", ms: 6_000 },
      { resource: "Image::frontend", ms: 4_500 },
    ]);
    // Busy 1.0–9.0 and 9.2–15.2 s: 14 s of 16.
    expect(phases.engineMs).toBe(2_000);
  });

  it("runs a step left open by a failed update to the end, and ignores an outputs event without its pre-event", () => {
    const phases = updatePhases(
      [at(3_000, "outputs", "Namespace::ns"), at(2_000, "pre", "Release::backend")],
      1_000,
      10_000,
    );
    expect(phases.resources).toEqual([{ resource: "Release::backend", ms: 8_000 }]);
    expect(phases.engineMs).toBe(1_000);
  });

  it("formats the steps over 100 ms and the engine's share", () => {
    const line = formatPhases(
      "window 1",
      updatePhases([at(1_000, "pre", "Image::backend"), at(1_040, "outputs", "Image::backend")], 0, 3_000),
    );
    expect(line).toBe("window 1: 3.0 s in all; no resource step; the engine's own 3.0 s");
  });
});
