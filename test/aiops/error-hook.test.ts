import * as pulumi from "@pulumi/pulumi";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { DiagnoseOptions } from "../../aiops/diagnose";
import { createDeployErrorHook, createErrorHandler, ERROR_HOOK_NAME } from "../../aiops/error-hook";
import { aiopsConfigSchema } from "../../config/aiops";
import { type FakeWorld, fakeWorld } from "./fakes";

const aiops = aiopsConfigSchema.parse({ analyzer: "none" });
const STUCK = "Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress";
const TIMEOUT =
  "failed to become available within allocated timeout. Error: Helm Release todo/todo-backend: context deadline exceeded";

function hookArgs(
  errors: string[],
  urn = "urn:pulumi:dev::todo-platform::kubernetes:helm.sh/v3:Release::backend",
): pulumi.ErrorHookArgs {
  return {
    urn,
    id: "todo/todo-backend",
    name: "backend",
    type: "kubernetes:helm.sh/v3:Release",
    newInputs: { name: "todo-backend", namespace: "todo" },
    failedOperation: "update",
    errors,
  };
}

let world: FakeWorld | undefined;
afterEach(() => world?.cleanup());

describe("deploy error hook", () => {
  it("prints the facts-based diagnosis (pod, container, reason, log tail, events of rolled-away pods) through fakes", async () => {
    world = fakeWorld(["kubectl"], { FAKE_SCENARIO: "crashloop" });
    const logged: string[] = [];
    const handle = createErrorHandler({
      aiops,
      redactSecretNames: ["todo-database"],
      env: world.env,
      log: (t) => logged.push(t),
    });
    expect(await handle(hookArgs([TIMEOUT]))).toBe(false);
    const text = logged.join("\n");
    expect(text).toContain("AIOps diagnosis of the failed update of Helm release todo-backend");
    expect(text).toContain("pod/api-6d5f8c7b9-x2k4p container api: CrashLoopBackOff");
    expect(text).toContain("password authentication failed");
    expect(text).not.toContain("CANARY-s3cr3t-7f1e");
    // The kubectl calls went to the namespace from the Release's own inputs.
    expect(world.calls("kubectl")[0]?.args.slice(0, 2)).toEqual(["--namespace", "todo"]);
  });

  it("keeps Warning events of pods Helm's atomic rollback already removed", async () => {
    const seen: DiagnoseOptions[] = [];
    const handle = createErrorHandler({
      aiops,
      log: () => {},
      diagnoseFn: async (options) => {
        seen.push(options);
        return { report: {} as never, text: "" };
      },
    });
    await handle(hookArgs([TIMEOUT]));
    expect(seen[0]).toMatchObject({ namespace: "todo", keepEventsOfGonePods: true });
  });

  it("rolls a stuck release back with a fake helm and asks for exactly one retry", async () => {
    world = fakeWorld(["kubectl", "helm"], { FAKE_HELM_STATUS: "pending-upgrade" });
    const logged: string[] = [];
    const handle = createErrorHandler({ aiops, kubeContext: "minikube", env: world.env, log: (t) => logged.push(t) });
    expect(await handle(hookArgs([STUCK]))).toBe(true);
    expect(logged[0]).toContain(
      "rolled back to revision 3 (helm rollback todo-backend 3 --namespace todo --kube-context minikube); retrying the deploy once",
    );
    expect(
      world
        .calls("helm")
        .find((c) => c.args[0] === "rollback")
        ?.args.slice(0, 3),
    ).toEqual(["rollback", "todo-backend", "3"]);
    // The retry failed the same way: no second rollback, no endless loop.
    expect(await handle(hookArgs([STUCK, STUCK]))).toBe(false);
    expect(world.calls("helm").filter((c) => c.args[0] === "rollback")).toHaveLength(1);
  });

  it("without helm prints the exact rollback command and does not retry", async () => {
    world = fakeWorld(["kubectl"], { FAKE_SCENARIO: "healthy" });
    const logged: string[] = [];
    const handle = createErrorHandler({ aiops, env: world.env, log: (t) => logged.push(t) });
    expect(await handle(hookArgs([STUCK]))).toBe(false);
    expect(logged[0]).toContain("run: helm rollback todo-backend");
  });

  it("never throws, even when the diagnosis itself fails", async () => {
    const logged: string[] = [];
    const handle = createErrorHandler({
      aiops,
      log: (t) => logged.push(t),
      diagnoseFn: () => Promise.reject(new Error("boom")),
    });
    expect(await handle(hookArgs([TIMEOUT]))).toBe(false);
    expect(logged[0]).toContain("could not diagnose the failed update of todo-backend: boom");
  });
});

describe("error hook attached to Helm releases (Pulumi mocks)", () => {
  const registeredHooks: string[] = [];

  beforeAll(() => {
    pulumi.runtime.setMocks(
      { newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }), call: (a) => a.inputs },
      "todo-platform",
      "dev",
      false,
    );
    // Pulumi's MockMonitor has no hook registry, so a new ErrorHook's registration (asynchronous)
    // rejected, unhandled, whenever it settled before the run ended. Accept it as the engine does.
    const monitor = pulumi.runtime.getMonitor() as unknown as {
      registerErrorHook: (req: { getName(): string }, callback: (err: null, res: unknown) => void) => void;
    };
    monitor.registerErrorHook = (req, callback) => {
      registeredHooks.push(req.getName());
      callback(null, {});
    };
  });

  it("is a named pulumi.ErrorHook that both releases carry in hooks.onError", async () => {
    const hook = createDeployErrorHook({ aiops });
    expect(pulumi.ErrorHook.isInstance(hook)).toBe(true);
    expect(hook.name).toBe(ERROR_HOOK_NAME);
    const seen: pulumi.ResourceTransformationArgs[] = [];
    const capture = (args: pulumi.ResourceTransformationArgs) => {
      seen.push(args);
      return undefined;
    };
    class Release extends pulumi.CustomResource {
      constructor(name: string) {
        super("kubernetes:helm.sh/v3:Release", name, {}, { hooks: { onError: [hook] }, transformations: [capture] });
      }
    }
    new Release("backend");
    new Release("frontend");
    expect(seen.map((s) => s.opts.hooks?.onError?.[0]?.name)).toEqual([ERROR_HOOK_NAME, ERROR_HOOK_NAME]);
    await vi.waitFor(() => expect(registeredHooks).toEqual([ERROR_HOOK_NAME]));
  });
});
