import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { diagnose } from "../../aiops/diagnose";
import { warningEventFacts } from "../../aiops/facts";
import { aiopsConfigSchema } from "../../config/aiops";
import { type FakeWorld, fakeWorld } from "./fakes";

const CANARY = "CANARY-s3cr3t-7f1e";
let world: FakeWorld | undefined;
afterEach(() => world?.cleanup());

function run(scenario: string, kagent = "success", extra: Partial<Parameters<typeof diagnose>[0]> = {}) {
  world = fakeWorld(["kubectl", "kagent"], { FAKE_SCENARIO: scenario, FAKE_KAGENT: kagent });
  return diagnose({
    namespace: "todo",
    aiops: aiopsConfigSchema.parse({}),
    revisions: { api: 3, web: 2 },
    redactSecretNames: ["todo-database"],
    env: world.env,
    analyzerTimeoutMs: 10_000,
    ...extra,
  });
}

describe("diagnose against a fake kubectl and fake kagent (recorded outputs)", () => {
  it("reports a healthy rollout as healthy, with kagent's explanation and the revisions", async () => {
    const { report } = await run("healthy");
    expect(report.status).toBe("healthy");
    expect(report.findings).toEqual([]);
    expect(report.revisions).toEqual({ api: 3, web: 2 });
    expect(report.explanation).toContain("Postgres rejects its password");
    expect(report.analyzer).toBe("kagent");
    expect(Date.parse(report.analyzedAt)).not.toBeNaN();
  });

  it("reports CrashLoopBackOff as unhealthy with pod, container, restarts and the log tail", async () => {
    const { report, text } = await run("crashloop");
    expect(report.status).toBe("unhealthy");
    const crash = report.findings.find((f) => f.reason === "CrashLoopBackOff");
    expect(crash).toMatchObject({ object: "pod/api-6d5f8c7b9-x2k4p", container: "api", severity: "critical" });
    expect(crash?.message).toContain("restarts 5");
    expect(crash?.logTail).toContain("password authentication failed");
    expect(text).toContain("pod/api-6d5f8c7b9-x2k4p container api: CrashLoopBackOff");
    expect(report.summary).toMatch(/^unhealthy: /);
  });

  it("never lets the AI turn crash-looping pods into healthy", async () => {
    const { report } = await run("crashloop", "message");
    expect(report.explanation).toBe("Everything is healthy.");
    expect(report.status).toBe("unhealthy");
  });

  it("redacts a canary secret (read from the named Secret) from the report, the text and kagent's prompt", async () => {
    const { report, text } = await run("crashloop");
    // The version check runs beside the invocation, so the calls' order varies: take the invoke.
    const prompt = world?.calls("kagent").find((call) => call.args[0] === "invoke")?.stdin ?? "";
    expect(prompt).toContain("[REDACTED]");
    for (const output of [JSON.stringify(report), text, prompt]) expect(output).not.toContain(CANARY);
  });

  it("reports ImagePullBackOff as unhealthy", async () => {
    const { report } = await run("imagepull");
    expect(report.status).toBe("unhealthy");
    expect(report.findings).toContainEqual(
      expect.objectContaining({ object: "pod/web-5f6g7h8j9-k1l2m", reason: "ImagePullBackOff", container: "web" }),
    );
  });

  it("reports OOMKilled as unhealthy", async () => {
    const { report } = await run("oomkilled");
    expect(report.status).toBe("unhealthy");
    expect(report.findings).toContainEqual(expect.objectContaining({ reason: "OOMKilled", container: "api" }));
  });

  it("reports an unschedulable pending pod as degraded while the other replica serves", async () => {
    const { report } = await run("pending");
    expect(report.status).toBe("degraded");
    expect(report.findings).toContainEqual(
      expect.objectContaining({ object: "pod/api-6d5f8c7b9-p9o8i", reason: "Unschedulable" }),
    );
  });

  it("is unavailable when kubectl cannot reach the cluster, and does not ask the analyzer", async () => {
    world = fakeWorld(["kubectl", "kagent"], { FAKE_KUBECTL_UNREACHABLE: "1" });
    const { report } = await diagnose({ namespace: "todo", aiops: aiopsConfigSchema.parse({}), env: world.env });
    expect(report.status).toBe("unavailable");
    expect(report.findings[0]?.message).toContain("connection to the server");
    expect(world.calls("kagent")).toEqual([]);
  });

  it("is unavailable when kubectl itself is missing", async () => {
    world = fakeWorld([]);
    const { report } = await diagnose({ namespace: "todo", aiops: aiopsConfigSchema.parse({}), env: world.env });
    expect(report.status).toBe("unavailable");
    expect(report.findings[0]?.message).toContain("not installed");
  });
});

describe("warningEventFacts", () => {
  it("counts the scheduler's repeats from series.count (events.k8s.io leaves count unset)", () => {
    const events = JSON.parse(readFileSync(join(__dirname, "../fakes/fixtures/cluster/pending/events.json"), "utf8"));
    expect(warningEventFacts(events)).toEqual([
      expect.objectContaining({
        object: "pod/api-6d5f8c7b9-p9o8i",
        reason: "FailedScheduling",
        count: 6,
        lastSeen: "2026-11-25T06:10:00.000000Z",
      }),
    ]);
  });

  it("keeps core/v1 count and lastTimestamp when they are set", () => {
    const list = {
      items: [
        {
          type: "Warning",
          reason: "BackOff",
          count: 4,
          lastTimestamp: "2026-11-25T06:00:00Z",
          involvedObject: { kind: "Pod", name: "p" },
        },
      ],
    };
    expect(warningEventFacts(list)[0]).toMatchObject({ count: 4, lastSeen: "2026-11-25T06:00:00Z" });
  });
});
