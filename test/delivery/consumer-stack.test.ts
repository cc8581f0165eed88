// scripts/local-cluster/consumer-stack.ts without a cluster: the verdict on a consumer update
// against a platform stack that does not exist. The rest of the module is Automation API wiring,
// run for real by the e2e (scripts/local-cluster/engine.ts); its program is examples/consumer,
// tested under mocks in examples/consumer/consumer.test.ts and loaded like the e2e loads it in
// test/delivery/index-program.test.ts.
import { describe, expect, it } from "vitest";

import { type MissingPlatformEvidence, missingPlatformVerdict } from "../../scripts/local-cluster/consumer-stack";

const MISSING = "organization/todo-platform/nope";
// The CLI's message for the failed update (CommandError: stdout, then stderr), shortened.
const REFUSED: MissingPlatformEvidence = {
  platformStack: MISSING,
  namespace: "todo-consumer-refused",
  upError: [
    "code: 255",
    " stdout: Updating (e2e-refused):",
    ` >- pulumi:pulumi:StackReference platform reading failed error: unknown stack "${MISSING}"`,
    " stderr: error: update failed",
  ].join("\n"),
  // What the v3.248.0 CLI leaves (scripts/local-cluster/consumer-stack.ts, header).
  stateTypes: ["pulumi:pulumi:Stack", "pulumi:providers:pulumi"],
  namespaceExists: false,
};

describe("missingPlatformVerdict: a consumer of a missing platform stack is refused cleanly", () => {
  it("gives one line for the log when the update failed naming the stack and nothing was created", () => {
    expect(missingPlatformVerdict(REFUSED)).toBe(
      `consumer of the missing stack ${MISSING} refused: unknown stack "${MISSING}"; state: pulumi:pulumi:Stack, pulumi:providers:pulumi; namespace todo-consumer-refused not created`,
    );
    expect(missingPlatformVerdict({ ...REFUSED, stateTypes: [] })).toContain("state: empty");
  });

  it.each<[string, Partial<MissingPlatformEvidence>, string]>([
    ["the update succeeded", { upError: undefined }, "the update succeeded"],
    [
      "it failed for another reason",
      { upError: "error: configuration key 'todo-consumer:platformStack' is required" },
      `the update failed without naming the stack (unknown stack "${MISSING}"): error: configuration key`,
    ],
    [
      "resources reached the state",
      {
        stateTypes: [
          "pulumi:pulumi:Stack",
          "pulumi:providers:pulumi",
          "pulumi:providers:kubernetes",
          "kubernetes:core/v1:Namespace",
        ],
      },
      "the state holds pulumi:providers:kubernetes, kubernetes:core/v1:Namespace",
    ],
    ["the namespace exists", { namespaceExists: true }, "namespace todo-consumer-refused exists"],
  ])("throws, saying what differs, when %s", (_case, change, problem) => {
    expect(() => missingPlatformVerdict({ ...REFUSED, ...change })).toThrow(
      `a consumer of the missing stack ${MISSING} was not refused cleanly: ${problem}`,
    );
  });

  it("lists every difference at once", () => {
    expect(() => missingPlatformVerdict({ ...REFUSED, upError: undefined, namespaceExists: true })).toThrow(
      "the update succeeded; namespace todo-consumer-refused exists",
    );
  });
});
