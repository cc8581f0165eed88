// The pull-request preview on the real engine (issue 16): scripts/pr-preview.sh between two real
// commits of the e2e's checkout, with the events of a real `stack.preview()` of the head commit.
//
// The checkout (a copy of the repository, no .git) holds what the stack has deployed: that tree is
// committed as the base of a throwaway git repository; the head commit edits one backend source file
// (a new content tag for the backend image) and the migration Job template (rendered for the
// backend only). The caller's preview() previews the checkout as it is then (the head), and
// pr-preview.sh writes the comment body from those events and the chart's manifest diff base → head.
// The body is then checked against what the two edits must change, computed here (no recorded body):
//
// - the preview: exactly four updates, the backend's docker-build Image, its release component and
//   Helm Release, and the frontend's Release with checksums only. The chart is shared by both releases and
//   components/chart.ts puts a hash of every chart file into each release's values
//   (values.chartChecksum), so any template edit changes the frontend's values too; the Deployment
//   template writes that value into an annotation, so the frontend's rendered manifest changes and
//   with it the provider's own `checksum` of the rendered templates. Nothing else (no frontend image,
//   namespace, Secret, database, provider);
// - the manifest diff: the backend's migration Job gains the annotation, and both Deployments change
//   in their chart-checksum annotation and nothing else (the same old → new hash in both).
//
// Whatever happens, the checkout ends byte-identical to how it came, without .git.
import { execFileSync, spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, sep } from "node:path";
import type { EngineEvent } from "@pulumi/pulumi/automation";

import { PREVIEW_INPUTS, PREVIEW_NAMESPACE } from "../manifest-diff/tree";
import { COMMENT_MARKER } from "../pr-preview/comment";
import { appImageTag, REPO } from "./support";

/** The backend source file the head commit edits (a comment line: a new content tag, same bundle). */
export const BACKEND_SOURCE = "app/backend/src/server.ts";
/** The chart template the head commit edits: it renders for the backend only (migration.enabled). */
export const MIGRATION_TEMPLATE = "charts/todo-service/templates/migration-job.yaml";
/** The annotation the head commit adds to the migration Job's metadata. */
export const HEAD_ANNOTATION = { key: "todo-platform.dev/pr-preview", value: "head" };
/** The annotation the Deployment template fills from values.chartChecksum. */
export const CHART_CHECKSUM_ANNOTATION = "todo-platform.dev/chart-checksum";

const IMAGE = "docker-build:index:Image";
const RELEASE = "kubernetes:helm.sh/v3:Release";
/**
 * The release component: it records its inputs (components/release.ts), so the real engine shows
 * the backend's as an update (no property listed) when its image changes; the frontend's stays.
 */
const RELEASE_COMPONENT = "todo-platform:release:TodoRelease";
/** What the frontend Release may show as changed: the chart hash in its values, the provider's hash of the rendered templates. */
export const FRONTEND_RELEASE_PROPERTIES = ["checksum", "values.chartChecksum"];

export interface PullRequestPreviewArgs {
  /** A copy of the repository (no .git; node_modules may be a symlink): the tree the stack has deployed. */
  checkout: string;
  /** The stack, for the body's header. */
  stackName: string;
  /** A real `stack.preview()` of the checkout as it is at call time: every engine event. */
  preview: () => Promise<EngineEvent[]>;
  /**
   * The stack's namespace, for the log line only: the manifest diff renders both trees into
   * PREVIEW_NAMESPACE (scripts/manifest-diff/tree.ts), whatever the stack's namespace is.
   */
  namespace?: string;
}

export interface PullRequestPreview {
  body: string;
  /** One line for the run's log. */
  verdict: string;
}

const git = (cwd: string, ...args: string[]) =>
  execFileSync(
    "git",
    [
      "-C",
      cwd,
      "-c",
      "user.name=todo-platform e2e",
      "-c",
      "user.email=e2e@todo-platform.invalid",
      "-c",
      "commit.gpgsign=false",
      "-c",
      "core.autocrlf=false",
      "-c",
      "core.hooksPath=/dev/null",
      ...args,
    ],
    { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024 },
  ).trim();

/** The migration Job template with HEAD_ANNOTATION added under its metadata's annotations. Pure. */
export function annotateMigrationJob(template: string): string {
  const anchor = "\nmetadata:\n";
  const start = template.indexOf(anchor);
  const annotations = start < 0 ? -1 : template.indexOf("\n  annotations:\n", start);
  const specAt = template.indexOf("\nspec:\n", start);
  if (start < 0 || annotations < 0 || (specAt >= 0 && annotations > specAt))
    throw new Error(`${MIGRATION_TEMPLATE} has no metadata.annotations block to add ${HEAD_ANNOTATION.key} to`);
  const at = annotations + "\n  annotations:\n".length;
  return `${template.slice(0, at)}    ${HEAD_ANNOTATION.key}: ${JSON.stringify(HEAD_ANNOTATION.value)}\n${template.slice(at)}`;
}

interface PreviewRow {
  op: string;
  type: string;
  name: string;
  properties: string[];
}

/** The resource table of the body's preview section (scripts/pr-preview/comment.ts formatPreview). */
export function previewRows(body: string): PreviewRow[] {
  const rows: PreviewRow[] = [];
  for (const match of body.matchAll(/^\| `[^`]*` \| (\S+) \| `([^`]*)` \| `([^`]*)` \| (.*) \|$/gm)) {
    const properties = [...(match[4] ?? "").matchAll(/`([^`]*)`/g)].map((property) => property[1] ?? "");
    rows.push({ op: match[1] ?? "", type: match[2] ?? "", name: match[3] ?? "", properties });
  }
  return rows;
}

/** The unified diff of each object in the body's manifest section, by object key: its -/+ lines. */
function manifestPatches(section: string): Map<string, string[]> {
  const patches = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of section.split("\n")) {
    const header = /^--- base\/(.+)$/.exec(line);
    if (header) {
      current = [];
      patches.set(header[1] ?? "", current);
    } else if (line.startsWith("```")) current = undefined;
    else if (current && /^[-+]/.test(line) && !line.startsWith("+++ ")) current.push(line);
  }
  return patches;
}

type Values = Record<string, unknown>;
const isObject = (value: unknown): value is Values =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * The frontend Release's values before and after, when the events carry them (the engine sends a
 * step's old and new state): they must differ in chartChecksum only.
 */
function frontendValuesProblems(events: EngineEvent[], manifestChecksums?: [string, string]): string[] {
  const metadata = events
    .map((event) => event.resourcePreEvent?.metadata)
    .find((m) => m?.type === RELEASE && m.urn.endsWith("::frontend"));
  const before = metadata?.old?.inputs?.values as unknown;
  const after = metadata?.new?.inputs?.values as unknown;
  if (!isObject(before) || !isObject(after)) return [];
  const problems: string[] = [];
  const rest = ({ chartChecksum: _checksum, ...others }: Values) => JSON.stringify(sortKeys(others));
  if (rest(before) !== rest(after))
    problems.push("the frontend Release's values change in more than chartChecksum (the events' old and new inputs)");
  if (before.chartChecksum === after.chartChecksum)
    problems.push("the frontend Release's values.chartChecksum is the same before and after (the events' inputs)");
  const [base, head] = manifestChecksums ?? [];
  if (base && head && (before.chartChecksum !== base || after.chartChecksum !== head))
    problems.push(
      `the frontend Release's values.chartChecksum goes ${String(before.chartChecksum)} → ${String(after.chartChecksum)}, the manifest diff's ${base} → ${head}`,
    );
  return problems;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isObject(value)) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys(value[key])]),
  );
}

/**
 * What is wrong with the body of the two-edit pull request (see the header), as sentences; none
 * when it shows exactly the expected changes. `events` are the preview's, for the values check.
 */
export function bodyProblems(body: string, stackName: string, events: EngineEvent[] = []): string[] {
  const problems: string[] = [];
  if (!body.startsWith(`${COMMENT_MARKER}\n`)) problems.push("the body does not start with the comment marker");
  const previewHeading = `#### \`pulumi preview\` of this PR on stack \`${stackName}\``;
  const manifestHeading = "#### Kubernetes manifest diff (`helm template`, base → this PR)";
  const previewAt = body.indexOf(previewHeading);
  const manifestAt = body.indexOf(manifestHeading);
  if (previewAt < 0) problems.push(`no heading ${previewHeading}`);
  if (manifestAt < 0 || manifestAt < previewAt) problems.push(`no heading ${manifestHeading} after the preview`);
  if (problems.length > 0) return problems;
  const preview = body.slice(previewAt, manifestAt);
  const manifest = body.slice(manifestAt);

  // 1. The preview.
  if (preview.includes(":x:")) problems.push("the preview section reports a failure");
  if (preview.includes("No preview:")) problems.push("the body has no preview");
  if (preview.includes("**Errors:**")) problems.push("the preview reports errors");
  const plan = /^\*\*Plan:\*\* (.*)\.$/m.exec(preview)?.[1];
  const counts = (plan ?? "").split(", ").filter((part) => !/^\d+ to leave unchanged$/.test(part));
  if (counts.join(", ") !== "4 to update") problems.push(`the plan is "${plan ?? "(none)"}", not 4 to update`);
  const rows = previewRows(preview);
  const row = (type: string, name: string) => rows.filter((r) => r.type === type && r.name === name);
  const expected: [string, string][] = [
    [IMAGE, "backend"],
    [RELEASE_COMPONENT, "backend"],
    [RELEASE, "backend"],
    [RELEASE, "frontend"],
  ];
  for (const [type, name] of expected) {
    const found = row(type, name);
    if (found.length !== 1 || found[0]?.op !== "update")
      problems.push(`${type} ${name}: expected one update row, got ${found.map((r) => r.op).join(", ") || "none"}`);
  }
  for (const other of rows.filter((r) => !expected.some(([type, name]) => r.type === type && r.name === name)))
    problems.push(`unexpected change: ${other.op} ${other.type} ${other.name} (${other.properties.join(", ")})`);
  const backendRelease = row(RELEASE, "backend")[0];
  if (backendRelease && backendRelease.properties.length === 0)
    problems.push("the backend Release's row lists no changed property");
  const frontendRelease = row(RELEASE, "frontend")[0];
  if (frontendRelease) {
    const extra = frontendRelease.properties.filter((p) => !FRONTEND_RELEASE_PROPERTIES.includes(p));
    if (extra.length > 0 || !frontendRelease.properties.includes("values.chartChecksum"))
      problems.push(
        `the frontend Release must change in values.chartChecksum (and the provider's checksum) only; it lists ${frontendRelease.properties.join(", ") || "nothing"}`,
      );
  }

  // 2. The manifest diff.
  const { backend, frontend } = PREVIEW_INPUTS;
  const deployments = [backend, frontend].map((r) => `Deployment ${PREVIEW_NAMESPACE}/${r.releaseName}`);
  const job = `Job ${PREVIEW_NAMESPACE}/${backend.releaseName}-migrate`;
  const changedObjects = [...manifest.matchAll(/^- `(.) (.+)` (\w+)$/gm)].map((m) => `${m[1]} ${m[2]} ${m[3]}`);
  const expectedObjects = [...deployments, job].sort().map((key) => `~ ${key} changed`);
  if (JSON.stringify(changedObjects) !== JSON.stringify(expectedObjects))
    problems.push(
      `the manifest diff lists [${changedObjects.join("; ")}], expected [${expectedObjects.join("; ")}] (the migration Job, and both Deployments' chart checksum)`,
    );
  const patches = manifestPatches(manifest);
  const checksumLine = new RegExp(
    `^([-+])\\s+${CHART_CHECKSUM_ANNOTATION.replaceAll(".", "\\.")}: "?([0-9a-f]{64})"?$`,
  );
  const checksums = deployments.map((key) => {
    const lines = patches.get(key) ?? [];
    const parsed = lines.map((line) => checksumLine.exec(line));
    const [minus, plus] = parsed;
    if (lines.length !== 2 || minus?.[1] !== "-" || plus?.[1] !== "+" || minus[2] === plus[2]) {
      problems.push(
        `${key} must change in its ${CHART_CHECKSUM_ANNOTATION} annotation only; its diff: ${lines.join(" / ") || "(none)"}`,
      );
      return undefined;
    }
    return [minus[2] ?? "", plus[2] ?? ""] as [string, string];
  });
  const [backendChecksums, frontendChecksums] = checksums;
  if (backendChecksums && frontendChecksums && backendChecksums.join() !== frontendChecksums.join())
    problems.push(
      `the two Deployments' chart checksums differ: ${checksums.map((pair) => pair?.join(" → ")).join(" vs ")}`,
    );
  // The preview's values and the manifest diff's hash must be the same chart's.
  problems.push(...frontendValuesProblems(events, frontendChecksums));
  const jobLines = patches.get(job) ?? [];
  const added = new RegExp(`^\\+\\s+${HEAD_ANNOTATION.key.replaceAll(".", "\\.")}: "?${HEAD_ANNOTATION.value}"?$`);
  if (jobLines.length !== 1 || !added.test(jobLines[0] ?? ""))
    problems.push(
      `${job} must only gain ${HEAD_ANNOTATION.key}: ${HEAD_ANNOTATION.value}; its diff: ${jobLines.join(" / ") || "(none)"}`,
    );
  return problems;
}

/** The bytes of `files` under `root`, keyed by path. */
const snapshot = (root: string, files: string[]) => new Map(files.map((f) => [f, readFileSync(join(root, f))]));

/**
 * Runs scripts/pr-preview.sh between the checkout (base) and a two-edit head commit, with the
 * caller's real preview of the head, and checks the body (see the header). Throws with the body on
 * any mismatch. The checkout is restored byte for byte and loses its .git in every case.
 */
export async function previewPullRequest(args: PullRequestPreviewArgs): Promise<PullRequestPreview> {
  const { checkout, stackName } = args;
  const dotGit = join(checkout, ".git");
  if (existsSync(dotGit)) throw new Error(`${checkout} already has a .git; the step needs a plain copy`);
  const edited = [BACKEND_SOURCE, MIGRATION_TEMPLATE];
  // Written in place: through a symlink (e.g. charts linked to the repository) the edit would land
  // outside the copy.
  const root = `${realpathSync(checkout)}${sep}`;
  for (const file of edited)
    if (!realpathSync(join(checkout, file)).startsWith(root))
      throw new Error(`${file} of ${checkout} is a link out of the copy; the step edits it in place`);
  const originals = snapshot(checkout, edited);
  const work = mkdtempSync(join(tmpdir(), "pr-preview-step-"));
  let failed = false;
  try {
    // 1. The base: the tree as deployed. node_modules may be a symlink, which `node_modules/` in
    //    .gitignore (directories only) does not cover.
    git(checkout, "init", "-q", "-b", "pr-preview-base");
    appendFileSync(join(dotGit, "info", "exclude"), "/node_modules\n");
    git(checkout, "add", "-A");
    git(checkout, "commit", "-q", "--no-verify", "-m", "base: the deployed tree");
    const base = git(checkout, "rev-parse", "HEAD");
    const committed = git(checkout, "ls-files");
    if (/^node_modules(\/|$)/m.test(committed)) throw new Error("node_modules was committed to the base");

    // 2. The head: one backend source file, one template that renders for the backend only.
    const tags = { backend: appImageTag(checkout, "backend"), frontend: appImageTag(checkout, "frontend") };
    const source = originals.get(BACKEND_SOURCE)?.toString("utf8") ?? "";
    appendFileSync(
      join(checkout, BACKEND_SOURCE),
      `${source.endsWith("\n") ? "" : "\n"}// pr-preview e2e: the head commit's one backend change\n`,
    );
    writeFileSync(
      join(checkout, MIGRATION_TEMPLATE),
      annotateMigrationJob(originals.get(MIGRATION_TEMPLATE)?.toString("utf8") ?? ""),
    );
    if (appImageTag(checkout, "backend") === tags.backend)
      throw new Error(`editing ${BACKEND_SOURCE} left the backend image's content tag ${tags.backend}`);
    if (appImageTag(checkout, "frontend") !== tags.frontend)
      throw new Error("the head commit changed the frontend image's content tag");
    git(checkout, "commit", "-q", "--no-verify", "-am", "head: a backend comment and a migration Job annotation");
    const head = git(checkout, "rev-parse", "HEAD");
    const changedFiles = git(checkout, "diff", "--name-only", base, head).split("\n").sort();
    if (changedFiles.join(",") !== [...edited].sort().join(","))
      throw new Error(`the head commit changes ${changedFiles.join(", ")}`);

    // 3. The real preview of the head tree, and the body.
    const events = await args.preview();
    const eventsFile = join(work, "events.jsonl");
    writeFileSync(eventsFile, `${events.map((event) => JSON.stringify(event)).join("\n")}\n`);
    const out = join(work, "comment.md");
    const script = spawnSync(
      "bash",
      [
        join(REPO, "scripts", "pr-preview.sh"),
        ...["--repo", checkout, "--base-ref", base, "--head-ref", head],
        ...["--stack", stackName, "--out", out, "--preview-json", eventsFile],
      ],
      { encoding: "utf8", timeout: 300_000, maxBuffer: 64 * 1024 * 1024 },
    );
    const body = existsSync(out) ? readFileSync(out, "utf8") : "";
    if (script.status !== 0)
      throw new Error(
        `scripts/pr-preview.sh exited ${script.status ?? script.signal}:\n${script.stderr}\n${body || "(no body)"}`,
      );

    // 4. The body against the two edits.
    const problems = bodyProblems(body, stackName, events);
    if (problems.length > 0)
      throw new Error(`the PR preview body is not what the two edits make:\n- ${problems.join("\n- ")}\n\n${body}`);
    const verdict =
      `PR preview of stack ${stackName}${args.namespace ? ` (namespace ${args.namespace})` : ""}, ` +
      `${base.slice(0, 7)} → ${head.slice(0, 7)} (${edited.join(", ")}): ` +
      "4 to update (docker-build Image backend, TodoRelease and Release backend, Release frontend with its chart checksum only); " +
      `manifest diff: the backend's migration Job, and both Deployments' ${CHART_CHECKSUM_ANNOTATION} only`;
    return { body, verdict };
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    for (const [file, bytes] of originals) writeFileSync(join(checkout, file), bytes);
    rmSync(dotGit, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
    const changed = edited.filter(
      (file) => !readFileSync(join(checkout, file)).equals(originals.get(file) ?? Buffer.alloc(0)),
    );
    // A restore problem must not hide the step's own failure.
    if (!failed && (changed.length > 0 || existsSync(dotGit)))
      // biome-ignore lint/correctness/noUnsafeFinally: the checkout must be as it came, or the step failed
      throw new Error(`the checkout was not restored: ${[...changed, existsSync(dotGit) ? ".git" : ""].join(" ")}`);
  }
}
