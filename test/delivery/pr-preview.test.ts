// scripts/pr-preview.sh, the PR preview comment without GitHub: its manifest-diff part between two
// real git commits of a copy of this repository (a chart template change), its preview part with a
// stand-in `pulumi` on PATH (the real CLI needs an engine and a stack: the local-cluster e2e passes
// --preview-json instead), and the comment renderer (scripts/pr-preview/comment.ts) on both JSON
// forms the CLI writes.
import { execFileSync, spawnSync } from "node:child_process";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  COMMENT_MARKER,
  commentBody,
  formatPreview,
  parsePreview,
  previewFromEvents,
} from "../../scripts/pr-preview/comment";

const REPO = join(__dirname, "..", "..");
const SCRIPT = join(REPO, "scripts", "pr-preview.sh");
const TEMPLATE = "charts/todo-service/templates/deployment.yaml";
const URN = (type: string, name: string) => `urn:pulumi:pr-preview::todo-platform::${type}::${name}`;
const BACKEND_URN = URN("kubernetes:helm.sh/v3:Release", "backend");
const HEALTH_URN = URN("todo-platform:aiops:AiHealthCheck$command:local:Command", "health-analysis");

/** Engine events as `pulumi preview --event-log` writes them (apitype.EngineEvent), trimmed. */
const EVENTS: EngineEvent[] = [
  { sequence: 0, timestamp: 1, preludeEvent: { config: {} } },
  {
    sequence: 1,
    timestamp: 1,
    resourcePreEvent: {
      metadata: {
        op: "same",
        urn: URN("pulumi:pulumi:Stack", "todo-platform-pr-preview"),
        type: "pulumi:pulumi:Stack",
        provider: "",
      },
    },
  },
  {
    sequence: 2,
    timestamp: 2,
    resourcePreEvent: {
      metadata: {
        op: "update",
        urn: BACKEND_URN,
        type: "kubernetes:helm.sh/v3:Release",
        provider: "",
        diffs: ["values"],
        detailedDiff: { "values.replicaCount": { diffKind: "update", inputDiff: true } },
      },
    },
  },
  {
    sequence: 3,
    timestamp: 2,
    resourcePreEvent: {
      metadata: {
        op: "replace",
        urn: HEALTH_URN,
        type: "command:local:Command",
        provider: "",
        diffs: ["triggers"],
        keys: ["triggers"],
      },
    },
  },
  {
    sequence: 4,
    timestamp: 3,
    diagnosticEvent: {
      message: "databaseUrl is not set: deploying an in-cluster Postgres\n",
      color: "never",
      severity: "warning",
    },
  },
  {
    sequence: 5,
    timestamp: 3,
    policyEvent: {
      resourceUrn: "",
      message: "the stack deploys the Todo releases but has no todo-platform:aiops:AiHealthCheck resource",
      color: "never",
      policyName: "health-analysis-present",
      policyPackName: "todo-platform-constitution",
      policyPackVersion: "0.0.1",
      policyPackVersionTag: "0.0.1",
      enforcementLevel: "mandatory",
    },
  },
  {
    sequence: 6,
    timestamp: 4,
    summaryEvent: {
      maybeCorrupt: false,
      durationSeconds: 3,
      resourceChanges: { same: 17, update: 1, replace: 1 },
      policyPacks: {},
    },
  },
] as EngineEvent[];

/** The same plan as a `pulumi preview --json` digest (display.PreviewDigest). */
const DIGEST = {
  config: { "todo-platform:imageLoader": "minikube" },
  steps: [
    { op: "same", urn: URN("pulumi:pulumi:Stack", "todo-platform-pr-preview"), detailedDiff: null },
    {
      op: "update",
      urn: BACKEND_URN,
      diffReasons: ["values"],
      detailedDiff: { "values.replicaCount": { kind: "update", inputDiff: true } },
    },
    { op: "replace", urn: HEALTH_URN, diffReasons: ["triggers"], replaceReasons: ["triggers"], detailedDiff: null },
  ],
  diagnostics: [{ message: "databaseUrl is not set: deploying an in-cluster Postgres\n", severity: "warning" }],
  changeSummary: { same: 17, update: 1, replace: 1 },
};

describe("scripts/pr-preview/comment.ts (pure)", () => {
  it("reads engine events (an event log or Automation API onEvent): changes, policy violations, warnings, the summary", () => {
    const summary = previewFromEvents(EVENTS);
    expect(summary.changes).toEqual([
      { op: "update", urn: BACKEND_URN, properties: ["values.replicaCount"], replaceKeys: [] },
      { op: "replace", urn: HEALTH_URN, properties: ["triggers"], replaceKeys: ["triggers"] },
    ]);
    expect(summary.policyViolations).toEqual([
      {
        policyName: "health-analysis-present",
        enforcementLevel: "mandatory",
        message: "the stack deploys the Todo releases but has no todo-platform:aiops:AiHealthCheck resource",
        urn: undefined,
      },
    ]);
    expect(summary.warnings).toEqual(["databaseUrl is not set: deploying an in-cluster Postgres"]);
    expect(summary.changeSummary).toEqual({ same: 17, update: 1, replace: 1 });
  });

  it("reads the same plan from a --json digest, and an event log one event per line", () => {
    const fromDigest = parsePreview(JSON.stringify(DIGEST));
    const fromLog = parsePreview(EVENTS.map((event) => JSON.stringify(event)).join("\n"));
    expect(fromDigest.changes).toEqual(fromLog.changes);
    expect(fromDigest.changeSummary).toEqual(fromLog.changeSummary);
    expect(fromDigest.policyViolations).toEqual([]); // the digest has none (pulumi's display/json.go)
    expect(parsePreview(JSON.stringify(EVENTS)).changes).toEqual(fromLog.changes);
    expect(() => parsePreview("not json\n")).toThrow("line 1 of the preview file is neither");
  });

  it("reads an Automation API preview's events as onEvent gets them: apitype field names, old/new state, planning and outputs events", () => {
    // sdk/go/common/apitype/events.go: PropertyDiff is {diffKind, inputDiff}; keys, diffs and
    // detailedDiff are omitted when empty; old is null for a create; every step has a planning
    // pre-event and an outputs event; the summary's policy packs are PascalCase.
    const state = (urn: string, inputs: Record<string, unknown>) => ({
      type: "kubernetes:helm.sh/v3:Release",
      urn,
      custom: true,
      id: "todo/backend",
      parent: URN("pulumi:pulumi:Stack", "todo-platform-pr-preview"),
      inputs,
      outputs: {},
      provider: "urn:pulumi:pr-preview::todo-platform::pulumi:providers:kubernetes::cluster::0b1c",
    });
    const CONFIGMAP_URN = URN("kubernetes:core/v1:ConfigMap", "extra");
    const steps = [
      {
        op: "same",
        urn: URN("pulumi:pulumi:Stack", "todo-platform-pr-preview"),
        type: "pulumi:pulumi:Stack",
        old: null,
        new: null,
        provider: "",
      },
      {
        op: "update",
        urn: BACKEND_URN,
        type: "kubernetes:helm.sh/v3:Release",
        old: state(BACKEND_URN, { values: { chartChecksum: "a" } }),
        new: state(BACKEND_URN, { values: { chartChecksum: "b" } }),
        diffs: ["checksum", "values"],
        detailedDiff: {
          checksum: { diffKind: "update", inputDiff: true },
          "values.chartChecksum": { diffKind: "update", inputDiff: true },
        },
        provider: "urn:pulumi:pr-preview::todo-platform::pulumi:providers:kubernetes::cluster::0b1c",
      },
      {
        op: "create",
        urn: CONFIGMAP_URN,
        type: "kubernetes:core/v1:ConfigMap",
        old: null,
        new: state(CONFIGMAP_URN, { data: { a: "1" } }),
        provider: "urn:pulumi:pr-preview::todo-platform::pulumi:providers:kubernetes::cluster::0b1c",
      },
    ];
    let sequence = 0;
    const lines = [
      { preludeEvent: { config: { "todo-platform:namespace": "todo-pr" } } },
      ...steps.map((metadata) => ({ resourcePreEvent: { metadata, planning: true } })),
      { diagnosticEvent: { message: "progress\n", color: "never", severity: "info#err", ephemeral: true } },
      ...steps.map((metadata) => ({ resOutputsEvent: { metadata, planning: true } })),
      {
        summaryEvent: {
          maybeCorrupt: false,
          durationSeconds: 2,
          resourceChanges: { same: 5, update: 1, create: 1 },
          PolicyPacks: {},
        },
      },
      { cancelEvent: {} },
    ].map((event) => JSON.stringify({ sequence: sequence++, timestamp: 1_760_000_000, ...event }));
    const summary = parsePreview(`${lines.join("\n")}\n`);
    expect(summary.changes).toEqual([
      { op: "update", urn: BACKEND_URN, properties: ["checksum", "values.chartChecksum"], replaceKeys: [] },
      { op: "create", urn: CONFIGMAP_URN, properties: [], replaceKeys: [] },
    ]);
    expect(summary.changeSummary).toEqual({ same: 5, update: 1, create: 1 });
    expect(summary.warnings).toEqual([]);
    const text = formatPreview({ summary, exitCode: 0 }, "pr-preview");
    expect(text).toContain("**Plan:** 1 to create, 1 to update, 5 to leave unchanged.");
    expect(text).toContain(
      "| `~` | update | `kubernetes:helm.sh/v3:Release` | `backend` | `checksum`, `values.chartChecksum` |",
    );
    expect(text).toContain("| `+` | create | `kubernetes:core/v1:ConfigMap` | `extra` | — |");
  });

  it("renders operations, types, names, changed properties and URNs; a failed preview says so", () => {
    const text = formatPreview(
      { summary: previewFromEvents(EVENTS), exitCode: 255, log: "error: preview failed" },
      "pr-preview",
    );
    expect(text).toContain("#### `pulumi preview` of this PR on stack `pr-preview`");
    expect(text).toContain(":x: `pulumi preview` failed (exit 255).");
    expect(text).toContain("**Plan:** 1 to update, 1 to replace, 17 to leave unchanged.");
    expect(text).toContain("| `~` | update | `kubernetes:helm.sh/v3:Release` | `backend` | `values.replicaCount` |");
    expect(text).toContain("| `+-` | replace | `command:local:Command` | `health-analysis` | `triggers` (replace) |");
    expect(text).toContain(`~  update             ${BACKEND_URN}`);
    expect(text).toContain("- mandatory `health-analysis-present`: the stack deploys the Todo releases");
    expect(text).toContain("error: preview failed");
    expect(text).not.toContain("pulumi:pulumi:Stack");
  });

  it("stays under GitHub's comment limit: the preview table shrinks first, then the body is cut with a note", () => {
    const many: EngineEvent[] = Array.from({ length: 3000 }, (_, index) => ({
      sequence: index,
      timestamp: 1,
      resourcePreEvent: {
        metadata: { op: "create", urn: URN("kubernetes:core/v1:ConfigMap", `cm-${index}`), type: "t", provider: "" },
      },
    })) as EngineEvent[];
    const body = commentBody({
      stack: "s",
      preview: { summary: previewFromEvents(many), exitCode: 0 },
      manifestDiff: `#### Kubernetes manifest diff\n\n${"x".repeat(40_000)}`,
    });
    expect(body.startsWith(`${COMMENT_MARKER}\n`)).toBe(true);
    expect(body.length).toBeLessThanOrEqual(65_000);
    expect(body).toContain("more resource changes");
  });
});

/** A copy of this repository (tracked and untracked files, as support.ts copyCheckout) with node_modules linked. */
function copyRepo(to: string): void {
  const files = execFileSync("git", ["-C", REPO, "ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    encoding: "utf8",
  });
  for (const file of files.split("\0").filter(Boolean)) {
    if (existsSync(join(REPO, file))) cpSync(join(REPO, file), join(to, file), { verbatimSymlinks: true });
  }
  symlinkSync(join(REPO, "node_modules"), join(to, "node_modules"), "dir");
}

function editTemplate(root: string): void {
  const path = join(root, TEMPLATE);
  const text = readFileSync(path, "utf8");
  if (!text.includes("revisionHistoryLimit: 5")) throw new Error(`${TEMPLATE} has no revisionHistoryLimit: 5`);
  writeFileSync(path, text.replace("revisionHistoryLimit: 5", "revisionHistoryLimit: 9"));
}

function script(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync("bash", [SCRIPT, ...args], {
    cwd: REPO,
    encoding: "utf8",
    timeout: 170_000,
    env: { ...process.env, ...env },
  });
  return { status: result.status ?? -1, stderr: result.stderr };
}

describe("scripts/pr-preview.sh", () => {
  let work: string;
  let repo: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), "pr-preview-test-"));
    repo = join(work, "repo");
    mkdirSync(repo);
    copyRepo(repo);
    const git = (...args: string[]) =>
      execFileSync("git", ["-C", repo, "-c", "user.name=t", "-c", "user.email=t@example.com", ...args], {
        stdio: "pipe",
      });
    git("init", "-q", "-b", "main");
    writeFileSync(join(repo, ".git", "info", "exclude"), "/node_modules\n");
    git("add", "-A");
    git("commit", "-q", "-m", "base");
    editTemplate(repo);
    git("commit", "-q", "-am", "the backend keeps 9 old ReplicaSets");
  }, 120_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("between two commits (--repo, --base-ref, --head-ref, --no-preview): the template change as a manifest diff", () => {
    const out = join(work, "commits.md");
    const run = script([
      "--repo",
      repo,
      "--base-ref",
      "HEAD~1",
      "--head-ref",
      "HEAD",
      "--stack",
      "pr-preview",
      "--no-preview",
      "--out",
      out,
    ]);
    expect(run.status, run.stderr).toBe(0);
    const body = readFileSync(out, "utf8");
    expect(body.startsWith(`${COMMENT_MARKER}\n`)).toBe(true);
    expect(body).toContain("#### `pulumi preview` of this PR on stack `pr-preview`");
    expect(body).toContain("No preview: not run (--no-preview).");
    expect(body).toContain("#### Kubernetes manifest diff (`helm template`, base → this PR)");
    // The chart is both releases': exactly their two Deployments change, nothing else.
    expect(body.match(/^- `.*` \w+$/gm)).toEqual([
      "- `~ Deployment todo-preview/todo-backend` changed",
      "- `~ Deployment todo-preview/todo-frontend` changed",
    ]);
    expect(body).toMatch(/^-\s+revisionHistoryLimit: 5$/m);
    expect(body).toMatch(/^\+\s+revisionHistoryLimit: 9$/m);
  }, 180_000);

  it("runs `pulumi preview` from PATH in the head checkout; a failed preview still writes the body and sets the exit status", () => {
    const bin = join(work, "bin");
    mkdirSync(bin, { recursive: true });
    const calls = join(work, "pulumi-calls.txt");
    // A stand-in CLI: records its cwd and arguments, writes the digest and the event log, fails as a mandatory policy violation does.
    writeFileSync(
      join(bin, "pulumi"),
      [
        "#!/usr/bin/env bash",
        `printf '%s\\n' "$PWD" "$*" > ${JSON.stringify(calls)}`,
        'while (($#)); do if [[ "$1" == --event-log ]]; then log="$2"; fi; shift; done',
        `cat > "$log" <<'EOF'\n${EVENTS.map((event) => JSON.stringify(event)).join("\n")}\nEOF`,
        `cat <<'EOF'\n${JSON.stringify(DIGEST)}\nEOF`,
        "echo 'error: preview failed: 1 mandatory policy violation' >&2",
        "exit 255",
      ].join("\n"),
    );
    chmodSync(join(bin, "pulumi"), 0o755);
    const base = join(work, "base-tree");
    const head = join(work, "head-tree");
    for (const [dir, ref] of [
      [base, "HEAD~1"],
      [head, "HEAD"],
    ] as const) {
      mkdirSync(dir);
      execFileSync("bash", ["-c", `git -C "$1" archive "$2" | tar -x -C "$3"`, "x", repo, ref, dir]);
      symlinkSync(join(REPO, "node_modules"), join(dir, "node_modules"), "dir");
    }
    const out = join(work, "nested", "comment.md");
    const run = script(
      ["--base", base, "--head", head, "--stack", "pr-preview", "--policy-pack", join(head, "policy"), "--out", out],
      { PATH: `${bin}${delimiter}${process.env.PATH ?? ""}` },
    );
    expect(run.status, run.stderr).toBe(255);
    const [cwd, argv] = readFileSync(calls, "utf8").split("\n");
    expect(cwd).toBe(head);
    expect(argv).toMatch(
      new RegExp(
        `^preview --stack pr-preview --json --event-log \\S+/events\\.jsonl --non-interactive --color never --policy-pack ${head}/policy$`,
      ),
    );
    const body = readFileSync(out, "utf8");
    expect(body).toContain(":x: `pulumi preview` failed (exit 255).");
    expect(body).toContain("| `~` | update | `kubernetes:helm.sh/v3:Release` | `backend` | `values.replicaCount` |");
    expect(body).toContain("- mandatory `health-analysis-present`");
    expect(body).toContain("error: preview failed: 1 mandatory policy violation");
    expect(body).toMatch(/^\+\s+revisionHistoryLimit: 9$/m);
    expect(dirname(out)).toBe(join(work, "nested"));
  }, 180_000);

  it("takes a preview the caller made (--preview-json: a digest), with no pulumi needed, and refuses bad arguments", () => {
    const preview = join(work, "preview.json");
    writeFileSync(preview, JSON.stringify(DIGEST));
    // A pulumi that must not be started.
    const refusing = join(work, "refusing-bin");
    mkdirSync(refusing);
    writeFileSync(
      join(refusing, "pulumi"),
      `#!/usr/bin/env bash\ntouch ${JSON.stringify(join(refusing, "called"))}\nexit 99\n`,
    );
    chmodSync(join(refusing, "pulumi"), 0o755);
    const out = join(work, "from-json.md");
    const run = script(
      [
        "--repo",
        repo,
        "--base-ref",
        "HEAD",
        "--head-ref",
        "HEAD",
        "--stack",
        "engine",
        "--preview-json",
        preview,
        "--out",
        out,
      ],
      { PATH: `${refusing}${delimiter}${process.env.PATH ?? ""}` },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(existsSync(join(refusing, "called"))).toBe(false);
    const body = readFileSync(out, "utf8");
    expect(body).toContain("**Plan:** 1 to update, 1 to replace, 17 to leave unchanged.");
    expect(body).toContain("No Kubernetes object changes.");
    expect(script(["--stack", "s", "--out", out]).status).toBe(2);
    expect(
      script(["--base", repo, "--head", repo, "--stack", "s", "--out", out, "--no-preview", "--preview-json", preview])
        .status,
    ).toBe(2);
  }, 180_000);
});
