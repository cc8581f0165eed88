import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { appendBounded, appendHistory, formatHistory, HISTORY_CONFIGMAP, readHistory } from "../../aiops/history";
import type { HealthReport } from "../../aiops/types";
import { type FakeWorld, fakeWorld } from "./fakes";

let world: FakeWorld | undefined;
afterEach(() => world?.cleanup());

function report(n: number, status: HealthReport["status"] = "healthy"): HealthReport {
  return {
    analyzer: "kagent",
    status,
    summary: `report ${n}`,
    findings: [
      {
        severity: "critical",
        object: "pod/api",
        container: "api",
        reason: "CrashLoopBackOff",
        message: "m",
        logTail: "long log",
      },
    ],
    analyzedAt: `2026-11-25T06:${String(n).padStart(2, "0")}:00.000Z`,
    revisions: { api: n },
  };
}

describe("AIOps history", () => {
  it("keeps the newest first, bounded, without log tails", () => {
    let history: HealthReport[] = [];
    for (let n = 1; n <= 5; n++) history = appendBounded(history, report(n), 3);
    expect(history.map((r) => r.summary)).toEqual(["report 5", "report 4", "report 3"]);
    expect(history[0]?.findings[0]).not.toHaveProperty("logTail");
  });

  it("appends through a fake kubectl: applies the ConfigMap it read, plus the new report, trimmed", async () => {
    world = fakeWorld(["kubectl"]);
    const target = { namespace: "todo", context: "minikube", env: world.env };
    expect(await readHistory(target)).toEqual([]);
    for (let n = 1; n <= 4; n++) await appendHistory(target, report(n, n === 4 ? "unhealthy" : "healthy"), 3);

    const applies = world.calls("kubectl").filter((c) => c.args.includes("apply"));
    expect(applies).toHaveLength(4);
    expect(applies[3]?.args).toEqual(["--context", "minikube", "--namespace", "todo", "apply", "--filename", "-"]);
    const applied = JSON.parse(applies[3]?.stdin ?? "{}");
    expect(applied).toMatchObject({ kind: "ConfigMap", metadata: { name: HISTORY_CONFIGMAP, namespace: "todo" } });
    const stored = JSON.parse(applied.data["history.json"]) as HealthReport[];
    expect(stored.map((r) => r.summary)).toEqual(["report 4", "report 3", "report 2"]);

    const persisted = JSON.parse(readFileSync(join(world.stateDir, `configmap-${HISTORY_CONFIGMAP}.json`), "utf8"));
    expect(persisted.data["history.json"]).toBe(applied.data["history.json"]);
    expect((await readHistory(target)).map((r) => r.status)).toEqual(["unhealthy", "healthy", "healthy"]);
  });

  it("formats one line per report", () => {
    const text = formatHistory([report(2, "unhealthy"), report(1)]);
    expect(text.split("\n")).toHaveLength(2);
    expect(text.split("\n")[0]).toMatch(/^2026-11-25T06:02:00.000Z\s+unhealthy\s+api@2\s+report 2$/);
    expect(formatHistory([])).toBe("no AIOps history yet");
  });
});
