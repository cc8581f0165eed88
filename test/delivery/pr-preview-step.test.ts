// scripts/local-cluster/pr-preview-step.ts, the PR preview of the real-engine e2e, on a copy of this
// repository with a STAND-IN preview: engine events shaped exactly as the Automation API hands them
// to onEvent (apitype.EngineEvent: diffKind property diffs, old/new step state with inputs, planning
// pre-events and outputs events, the summary), built for the changes the two edits make. The real
// preview runs in the local-cluster e2e (engine.ts).
import { createHash } from "node:crypto";
import { existsSync, lstatSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { chartChecksum } from "../../components/chart";
import {
  BACKEND_SOURCE,
  bodyProblems,
  HEAD_ANNOTATION,
  MIGRATION_TEMPLATE,
  previewPullRequest,
} from "../../scripts/local-cluster/pr-preview-step";
import { copyCheckout, REPO } from "../../scripts/local-cluster/support";

const STACK = "engine";
const PROJECT = "todo-platform";
const STACK_URN = `urn:pulumi:${STACK}::${PROJECT}::pulumi:pulumi:Stack::${PROJECT}-${STACK}`;
const urn = (chain: string, name: string) => `urn:pulumi:${STACK}::${PROJECT}::${chain}::${name}`;
const IMAGE_CHAIN = "todo-platform:image:AppImage$docker-build:index:Image";
const RELEASE_CHAIN = "todo-platform:release:TodoRelease$kubernetes:helm.sh/v3:Release";
const PROVIDER = `${urn("pulumi:providers:kubernetes", "cluster")}::5b0c1a2e-7d7e-4f6b-9a55-6d1c1c0f3e11`;

type Step = "same" | "update";
interface Resource {
  urn: string;
  type: string;
  op: Step;
  diffs?: string[];
  detailedDiff?: Record<string, { diffKind: string; inputDiff: boolean }>;
  inputs?: [Record<string, unknown>, Record<string, unknown>];
}

/** Helm values as the program gives them (trimmed), with this chart checksum. */
const frontendValues = (checksum: string) => ({
  image: { ref: "127.0.0.1:5000/todo-frontend@sha256:1f0e", pullPolicy: "IfNotPresent" },
  replicaCount: 2,
  backendUrl: "http://todo-backend.todo-engine.svc.cluster.local:80",
  chartChecksum: checksum,
});

/**
 * A preview's events, as the Automation API's onEvent receives them (sdk/go/common/apitype
 * events.go field names), for `resources`: one planning pre-event and one outputs event each.
 */
function automationApiEvents(resources: Resource[]): EngineEvent[] {
  const state = (r: Resource, inputs: Record<string, unknown> | undefined) => ({
    type: r.type,
    urn: r.urn,
    custom: r.type !== "pulumi:pulumi:Stack",
    id: r.type === "pulumi:pulumi:Stack" ? "" : `id-${r.urn.split("::").pop()}`,
    parent: r.urn === STACK_URN ? "" : STACK_URN,
    inputs: inputs ?? {},
    outputs: {},
    provider: r.type === "pulumi:pulumi:Stack" ? "" : PROVIDER,
  });
  const metadata = (r: Resource) => ({
    op: r.op,
    urn: r.urn,
    type: r.type,
    old: state(r, r.inputs?.[0]),
    new: state(r, r.inputs?.[1]),
    ...(r.diffs ? { diffs: r.diffs } : {}),
    ...(r.detailedDiff ? { detailedDiff: r.detailedDiff } : {}),
    provider: r.type === "pulumi:pulumi:Stack" ? "" : PROVIDER,
  });
  let sequence = 0;
  const event = (body: Record<string, unknown>) =>
    ({ sequence: sequence++, timestamp: 1_760_000_000 + sequence, ...body }) as unknown as EngineEvent;
  const updates = resources.filter((r) => r.op === "update").length;
  return [
    event({ preludeEvent: { config: { "todo-platform:namespace": "todo-engine", "aiops.analyzer": "none" } } }),
    ...resources.map((r) => event({ resourcePreEvent: { metadata: metadata(r), planning: true } })),
    event({
      diagnosticEvent: { message: "an info line\n", color: "never", severity: "info", ephemeral: true },
    }),
    ...resources.map((r) => event({ resOutputsEvent: { metadata: metadata(r), planning: true } })),
    event({
      summaryEvent: {
        maybeCorrupt: false,
        durationSeconds: 4,
        resourceChanges: { same: resources.length - updates, update: updates },
        PolicyPacks: {},
      },
    }),
    event({ cancelEvent: {} }),
  ];
}

/** What the two edits make a preview report: the backend's Image and Release, the frontend Release's checksums. */
function expectedResources(baseChecksum: string, headChecksum: string): Resource[] {
  const update = (path: string, inputDiff = true) => ({ [path]: { diffKind: "update", inputDiff } });
  return [
    { urn: STACK_URN, type: "pulumi:pulumi:Stack", op: "same" },
    { urn: urn("pulumi:providers:kubernetes", "cluster"), type: "pulumi:providers:kubernetes", op: "same" },
    { urn: urn("todo-platform:image:AppImage", "backend"), type: "todo-platform:image:AppImage", op: "same" },
    {
      urn: urn(IMAGE_CHAIN, "backend"),
      type: "docker-build:index:Image",
      op: "update",
      diffs: ["contextHash", "tags"],
      detailedDiff: { ...update("contextHash", false), ...update("tags[0]") },
    },
    { urn: urn("todo-platform:image:AppImage", "frontend"), type: "todo-platform:image:AppImage", op: "same" },
    { urn: urn(IMAGE_CHAIN, "frontend"), type: "docker-build:index:Image", op: "same" },
    { urn: urn("kubernetes:core/v1:Namespace", "todo-engine"), type: "kubernetes:core/v1:Namespace", op: "same" },
    { urn: urn("kubernetes:core/v1:Secret", "todo-database"), type: "kubernetes:core/v1:Secret", op: "same" },
    // As the real engine showed it (e2e): the backend's release component updates, no property listed.
    {
      urn: urn("todo-platform:release:TodoRelease", "backend"),
      type: "todo-platform:release:TodoRelease",
      op: "update",
    },
    {
      urn: urn("todo-platform:release:TodoRelease", "frontend"),
      type: "todo-platform:release:TodoRelease",
      op: "same",
    },
    {
      urn: urn(RELEASE_CHAIN, "backend"),
      type: "kubernetes:helm.sh/v3:Release",
      op: "update",
      diffs: ["checksum", "resourceNames", "values"],
      detailedDiff: {
        checksum: { diffKind: "delete", inputDiff: true },
        resourceNames: { diffKind: "delete", inputDiff: true },
        ...update("values.chartChecksum"),
        ...update("values.image.ref"),
      },
    },
    {
      urn: urn(RELEASE_CHAIN, "frontend"),
      type: "kubernetes:helm.sh/v3:Release",
      op: "update",
      diffs: ["checksum", "values"],
      detailedDiff: { ...update("checksum"), ...update("values.chartChecksum") },
      inputs: [{ values: frontendValues(baseChecksum) }, { values: frontendValues(headChecksum) }],
    },
  ];
}

/** sha256 and mode of every file under `root` (node_modules, a link to the repository's, left out). */
function treeDigest(root: string): Record<string, string> {
  const digest: Record<string, string> = {};
  const walk = (dir: string, prefix: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (path === "node_modules") continue;
      if (entry.isDirectory()) walk(join(dir, entry.name), path);
      else {
        const full = join(dir, entry.name);
        const { mode } = lstatSync(full);
        const bytes = entry.isSymbolicLink() ? Buffer.from("link") : readFileSync(full);
        digest[path] = `${mode.toString(8)} ${createHash("sha256").update(bytes).digest("hex")}`;
      }
    }
  };
  walk(root, "");
  return digest;
}

describe("scripts/local-cluster/pr-preview-step.ts (a repository copy, with recorded-shape engine events)", () => {
  let checkout: string;
  let before: Record<string, string>;
  let baseChecksum: string;
  let passingBody = "";
  let headChecksum = "";
  const chartDir = () => join(checkout, "charts", "todo-service");

  beforeAll(() => {
    checkout = copyCheckout();
    symlinkSync(join(REPO, "node_modules"), join(checkout, "node_modules"), "dir");
    before = treeDigest(checkout);
    baseChecksum = chartChecksum(chartDir());
  }, 60_000);
  afterAll(() => rmSync(checkout, { recursive: true, force: true }));

  /** The stand-in preview: checks it sees the head tree, then answers `resources`' events. */
  const standIn = (extra: Resource[] = []) => {
    const seen: string[] = [];
    const preview = async () => {
      if (!existsSync(join(checkout, ".git"))) throw new Error("preview() called without the throwaway repository");
      if (!readFileSync(join(checkout, BACKEND_SOURCE), "utf8").includes("pr-preview e2e"))
        throw new Error(`preview() called without the head's ${BACKEND_SOURCE}`);
      if (!readFileSync(join(checkout, MIGRATION_TEMPLATE), "utf8").includes(HEAD_ANNOTATION.key))
        throw new Error(`preview() called without the head's ${MIGRATION_TEMPLATE}`);
      const headChecksum = chartChecksum(chartDir());
      seen.push(headChecksum);
      return automationApiEvents([...expectedResources(baseChecksum, headChecksum), ...extra]);
    };
    return { preview, seen };
  };

  it("accepts the body of a preview with exactly the expected changes, and restores the checkout", async () => {
    const { preview, seen } = standIn();
    const { body, verdict } = await previewPullRequest({
      checkout,
      stackName: STACK,
      preview,
      namespace: "todo-engine",
    });
    passingBody = body;
    headChecksum = seen[0] ?? "";
    expect(seen).toHaveLength(1);
    expect(seen[0]).not.toBe(baseChecksum);
    expect(body).toContain("**Plan:** 4 to update, 8 to leave unchanged.");
    expect(body).toContain(
      "| `~` | update | `kubernetes:helm.sh/v3:Release` | `frontend` | `checksum`, `values.chartChecksum` |",
    );
    expect(body).toContain(`+    todo-platform.dev/chart-checksum: ${seen[0]}`);
    expect(body).toContain(`-    todo-platform.dev/chart-checksum: ${baseChecksum}`);
    expect(verdict).toMatch(/^PR preview of stack engine \(namespace todo-engine\), [0-9a-f]{7} → [0-9a-f]{7} /);
    expect(existsSync(join(checkout, ".git"))).toBe(false);
    expect(treeDigest(checkout)).toEqual(before);
  }, 60_000);

  it("rejects a preview with one more change (the frontend image), with the body, and still restores the checkout", async () => {
    const { preview } = standIn();
    const withFrontendImage = async () =>
      (await preview()).map((event) => {
        const metadata = event.resourcePreEvent?.metadata ?? event.resOutputsEvent?.metadata;
        if (metadata?.urn !== urn(IMAGE_CHAIN, "frontend")) return event;
        const changed = { ...metadata, op: "update", diffs: ["contextHash"] } as typeof metadata;
        return event.resourcePreEvent
          ? { ...event, resourcePreEvent: { ...event.resourcePreEvent, metadata: changed } }
          : { ...event, resOutputsEvent: { metadata: changed, planning: true } };
      });
    await expect(
      previewPullRequest({ checkout, stackName: STACK, preview: withFrontendImage, namespace: "todo-engine" }),
    ).rejects.toThrow(
      /unexpected change: update docker-build:index:Image frontend[\s\S]*<!-- todo-platform-pr-preview -->/,
    );
    expect(existsSync(join(checkout, ".git"))).toBe(false);
    expect(treeDigest(checkout)).toEqual(before);
  }, 60_000);

  it("the body check flags a frontend Release changing more than its checksum, and a manifest diff without the Job", () => {
    expect(passingBody).not.toBe("");
    expect(bodyProblems(passingBody, STACK)).toEqual([]);
    const frontendRow = "| `frontend` | `checksum`, `values.chartChecksum` |";
    expect(
      bodyProblems(
        passingBody.replace(frontendRow, "| `frontend` | `values.chartChecksum`, `values.replicaCount` |"),
        STACK,
      ),
    ).toEqual([
      "the frontend Release must change in values.chartChecksum (and the provider's checksum) only; it lists values.chartChecksum, values.replicaCount",
    ]);
    const withoutJob = passingBody.replace(/^- `~ Job .*\n/m, "");
    expect(bodyProblems(withoutJob, STACK).join("\n")).toMatch(/^the manifest diff lists/);
    expect(bodyProblems(passingBody, "other").join("\n")).toContain("no heading");
  });

  it("the values check reads the events' old and new inputs: another frontend value, or another chart's checksum, is flagged", () => {
    const events = (edit: (inputs: [Record<string, unknown>, Record<string, unknown>]) => void) => {
      const resources = expectedResources(baseChecksum, headChecksum);
      const frontend = resources.at(-1);
      if (!frontend?.inputs) throw new Error("no frontend inputs");
      edit(frontend.inputs);
      return automationApiEvents(resources);
    };
    expect(
      bodyProblems(
        passingBody,
        STACK,
        events(() => {}),
      ),
    ).toEqual([]);
    expect(
      bodyProblems(
        passingBody,
        STACK,
        events((inputs) => {
          inputs[1] = { values: { ...frontendValues(headChecksum), replicaCount: 3 } };
        }),
      ),
    ).toEqual(["the frontend Release's values change in more than chartChecksum (the events' old and new inputs)"]);
    expect(
      bodyProblems(
        passingBody,
        STACK,
        events((inputs) => {
          inputs[1] = { values: frontendValues("b".repeat(64)) };
        }),
      ).join("\n"),
    ).toContain(
      `the frontend Release's values.chartChecksum goes ${baseChecksum} → ${"b".repeat(64)}, the manifest diff's`,
    );
  });
});
