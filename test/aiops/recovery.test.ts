import { afterEach, describe, expect, it } from "vitest";
import { isStuckReleaseError, lastDeployedRevision, recoverStuckRelease } from "../../aiops/recovery";
import { type FakeWorld, fakeWorld } from "./fakes";

let world: FakeWorld | undefined;
afterEach(() => world?.cleanup());

describe("stuck-release recovery", () => {
  it("recognizes Helm's 'another operation is in progress' error (pulumi-kubernetes#2054)", () => {
    expect(
      isStuckReleaseError("Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress"),
    ).toBe(true);
    expect(isStuckReleaseError("timed out waiting for the condition")).toBe(false);
  });

  it("picks the newest deployed or superseded revision", () => {
    expect(
      lastDeployedRevision([
        { revision: 2, status: "superseded" },
        { revision: 3, status: "deployed" },
        { revision: 4, status: "pending-upgrade" },
      ]),
    ).toBe(3);
    expect(lastDeployedRevision([{ revision: 1, status: "pending-install" }])).toBeUndefined();
  });

  it("with a fake helm: pending-upgrade → rollback to the last deployed revision", async () => {
    world = fakeWorld(["kubectl", "helm"], { FAKE_HELM_STATUS: "pending-upgrade" });
    const result = await recoverStuckRelease({
      release: "api",
      namespace: "todo",
      context: "minikube",
      env: world.env,
    });
    expect(result).toMatchObject({ action: "rolled-back", revision: 3 });
    expect(result.message).toContain("was stuck in pending-upgrade; rolled back to revision 3");
    const rollback = world.calls("helm").find((c) => c.args[0] === "rollback");
    expect(rollback?.args).toEqual(["rollback", "api", "3", "--namespace", "todo", "--kube-context", "minikube"]);
    // A second call finds it deployed and does nothing.
    expect((await recoverStuckRelease({ release: "api", namespace: "todo", env: world.env })).action).toBe("not-stuck");
  });

  it("with a fake helm: a deployed release is left alone", async () => {
    world = fakeWorld(["helm"], { FAKE_HELM_STATUS: "deployed" });
    expect((await recoverStuckRelease({ release: "api", namespace: "todo", env: world.env })).action).toBe("not-stuck");
    expect(world.calls("helm").some((c) => c.args[0] === "rollback")).toBe(false);
  });

  it("without helm on PATH: prints the exact command, revision read from Helm's release Secrets", async () => {
    world = fakeWorld(["kubectl"], { FAKE_SCENARIO: "healthy" });
    const result = await recoverStuckRelease({ release: "api", namespace: "todo", env: world.env });
    expect(result).toMatchObject({ action: "manual", command: "helm rollback api 3 --namespace todo" });
    expect(result.message).toContain("helm is not on PATH; run: helm rollback api 3 --namespace todo");
  });
});
