// The rollout watch keeps what crashed pods showed while a release rolled out, because Helm's
// atomic rollback deletes them before the error hook runs (seen on the real engine, docs/aiops.md).
import type * as pulumi from "@pulumi/pulumi";
import { afterEach, describe, expect, it } from "vitest";
import type { DiagnoseOptions } from "../../aiops/diagnose";
import { diagnose } from "../../aiops/diagnose";
import { createErrorHandler, releasePodSelector } from "../../aiops/error-hook";
import { logTail } from "../../aiops/facts";
import { hasCrashed, RolloutWatch, recordCrashedPods } from "../../aiops/rollout-watch";
import type { ContainerFacts, PodFacts } from "../../aiops/types";
import { ROLLED_BACK_NOTE } from "../../aiops/verdict";
import { aiopsConfigSchema } from "../../config/aiops";
import { type FakeWorld, fakeWorld } from "./fakes";

const aiops = aiopsConfigSchema.parse({ analyzer: "none" });
let world: FakeWorld | undefined;
afterEach(() => world?.cleanup());

const container = (overrides: Partial<ContainerFacts> = {}): ContainerFacts => ({
  name: "backend",
  ready: false,
  restartCount: 0,
  ...overrides,
});
const pod = (name: string, ...containers: ContainerFacts[]): PodFacts => ({
  name,
  phase: "Running",
  ready: false,
  containers,
});
const crashing = (name: string, restartCount: number) =>
  pod(
    name,
    container({
      restartCount,
      waitingReason: "CrashLoopBackOff",
      waitingMessage: `back-off restarting failed container=backend pod=${name}`,
      terminatedReason: "Error",
      exitCode: 3,
    }),
  );

async function until(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("which pods the rollout watch keeps (pure)", () => {
  it("tells a crashed container from one that is still starting", () => {
    expect(hasCrashed(container())).toBe(false);
    expect(hasCrashed(container({ waitingReason: "ContainerCreating" }))).toBe(false);
    expect(hasCrashed(container({ restartCount: 1 }))).toBe(true);
    expect(hasCrashed(container({ waitingReason: "ImagePullBackOff" }))).toBe(true);
    expect(hasCrashed(container({ terminatedReason: "Error", exitCode: 3 }))).toBe(true);
  });

  it("records crashed pods only, asks for one log tail per container run and keeps tails already read", () => {
    const seen = new Map<string, PodFacts>();
    const tails = new Map<string, string>();
    const starting = pod("todo-backend-new-a", container());
    expect(recordCrashedPods(seen, tails, [starting, crashing("todo-backend-new-b", 1)])).toEqual([
      { pod: "todo-backend-new-b", container: expect.objectContaining({ restartCount: 1 }) },
    ]);
    expect([...seen.keys()]).toEqual(["todo-backend-new-b"]);
    tails.set("todo-backend-new-b/backend#1", "boom 1");
    // Same run: the tail read before is reused; the pod's latest state replaces the earlier one.
    expect(recordCrashedPods(seen, tails, [crashing("todo-backend-new-b", 1)])).toEqual([]);
    expect(seen.get("todo-backend-new-b")?.containers[0]?.logTail).toBe("boom 1");
    // It crashed again: that run's tail is read anew, and until then the last one stands.
    expect(recordCrashedPods(seen, tails, [crashing("todo-backend-new-b", 2)])).toHaveLength(1);
    expect(seen.get("todo-backend-new-b")?.containers[0]).toMatchObject({ restartCount: 2, logTail: "boom 1" });
  });

  it("keeps CrashLoopBackOff through the container's brief runs, and ignores how a deleted pod ends (seen on the real cluster)", () => {
    const seen = new Map<string, PodFacts>();
    const tails = new Map<string, string>();
    recordCrashedPods(seen, tails, [crashing("todo-backend-x", 2)]);
    // Restarted and running again for a moment: still a crash loop.
    const running = pod("todo-backend-x", container({ restartCount: 3, terminatedReason: "Error", exitCode: 3 }));
    recordCrashedPods(seen, tails, [running]);
    expect(seen.get("todo-backend-x")?.containers[0]).toMatchObject({
      restartCount: 3,
      waitingReason: "CrashLoopBackOff",
    });
    // The rollback deletes it: phase Failed, no waiting state. The look before stands.
    const deleted: PodFacts = {
      ...pod("todo-backend-x", container({ restartCount: 3, terminatedReason: "Error" })),
      phase: "Failed",
      deleting: true,
    };
    recordCrashedPods(seen, tails, [deleted]);
    expect(seen.get("todo-backend-x")).toMatchObject({
      phase: "Running",
      containers: [{ waitingReason: "CrashLoopBackOff" }],
    });
  });
});

describe("the rollout watch against a fake kubectl (recorded crash-loop)", () => {
  it("records the crash-looping pod with its log tail, selects the release's pods, and stops polling when stopped", async () => {
    world = fakeWorld(["kubectl"], { FAKE_SCENARIO: "crashloop" });
    const watch = new RolloutWatch({ intervalMs: 20 });
    watch.start("urn:backend", { namespace: "todo", env: world.env }, releasePodSelector("todo-backend"));
    await until(() => (world?.calls("kubectl").filter((c) => c.args.includes("get")).length ?? 0) >= 3, "3 looks");
    const pods = await watch.stop("urn:backend");
    expect(pods.map((p) => p.name)).toEqual(["api-6d5f8c7b9-x2k4p"]);
    expect(pods[0]?.containers[0]).toMatchObject({ name: "api", waitingReason: "CrashLoopBackOff", restartCount: 5 });
    expect(pods[0]?.containers[0]?.logTail).toContain("password authentication failed");
    const calls = world.calls("kubectl");
    expect(calls[0]?.args).toEqual(expect.arrayContaining(["--selector", "app.kubernetes.io/instance=todo-backend"]));
    // One log read for the one crashed run, however many looks.
    expect(calls.filter((c) => c.args.includes("logs"))).toHaveLength(1);
    const after = calls.length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(world.calls("kubectl")).toHaveLength(after);
  });

  it("reads kubectl's 'unable to retrieve container logs' (a removed run, recorded on the real cluster) as no tail", async () => {
    world = fakeWorld(["kubectl"], { FAKE_SCENARIO: "logs-gone" });
    const target = { namespace: "todo", env: world.env };
    expect(await logTail(target, "todo-backend-x", container({ restartCount: 3 }))).toBeUndefined();
    expect(world.calls("kubectl")[0]?.args).toContain("--previous");
  });

  it("keeps nothing when every pod is healthy, and a stop without a start returns nothing", async () => {
    world = fakeWorld(["kubectl"], { FAKE_SCENARIO: "healthy" });
    const watch = new RolloutWatch({ intervalMs: 20 });
    watch.start("urn:frontend", { namespace: "todo", env: world.env }, releasePodSelector("todo-frontend"));
    await until(() => (world?.calls("kubectl").length ?? 0) >= 2, "2 looks");
    expect(await watch.stop("urn:frontend")).toEqual([]);
    expect(await watch.stop("urn:never-started")).toEqual([]);
  });
});

describe("a failed deploy's diagnosis with what the watch saw", () => {
  it("reports a rolled-back crashed pod as critical with its log tail, and lets current facts win for live pods", async () => {
    world = fakeWorld(["kubectl"], { FAKE_SCENARIO: "healthy" });
    const gone = crashing("todo-backend-7f9c-gone1", 2);
    const gonePod = gone.containers[0] as ContainerFacts;
    gonePod.logTail = "engine e2e: this backend crashes on start";
    const { report, text } = await diagnose({
      namespace: "todo",
      aiops,
      env: world.env,
      rolloutPods: [gone, crashing("api-6d5f8c7b9-x2k4p", 1)],
    });
    expect(report.status).toBe("unhealthy");
    expect(report.findings).toEqual([
      expect.objectContaining({
        object: "pod/todo-backend-7f9c-gone1",
        container: "backend",
        severity: "critical",
        reason: "CrashLoopBackOff",
        logTail: "engine e2e: this backend crashes on start",
        message: expect.stringContaining(ROLLED_BACK_NOTE),
      }),
    ]);
    expect(text).toContain("pod/todo-backend-7f9c-gone1 container backend: CrashLoopBackOff");
    expect(text).toContain("    | engine e2e: this backend crashes on start");
  });

  it("the error hook stops the release's watch and hands its pods to the diagnosis", async () => {
    const urn = "urn:pulumi:dev::todo-platform::kubernetes:helm.sh/v3:Release::backend";
    const watch = new RolloutWatch({
      intervalMs: 10,
      readPodsFn: async () => [crashing("todo-backend-7f9c-gone1", 1)],
      logTailFn: async () => "boom",
    });
    watch.start(urn, { namespace: "todo" }, releasePodSelector("todo-backend"));
    const seen: DiagnoseOptions[] = [];
    const handle = createErrorHandler({
      aiops,
      watch,
      log: () => {},
      diagnoseFn: async (options) => {
        seen.push(options);
        return { report: {} as never, text: "" };
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const args: pulumi.ErrorHookArgs = {
      urn,
      id: "todo/todo-backend",
      name: "backend",
      type: "kubernetes:helm.sh/v3:Release",
      newInputs: { name: "todo-backend", namespace: "todo" },
      failedOperation: "update",
      errors: ["context deadline exceeded"],
    };
    expect(await handle(args)).toBe(false);
    expect(seen[0]?.rolloutPods?.map((p) => [p.name, p.containers[0]?.logTail])).toEqual([
      ["todo-backend-7f9c-gone1", "boom"],
    ]);
    expect(await watch.stop(urn)).toEqual([]);
  });
});
