// The PR preview comment (scripts/pr-preview.sh): what `pulumi preview` would change, as resource
// URNs and operations with the properties that change, then the Kubernetes manifest diff of the
// chart (scripts/manifest-diff.ts), as one markdown body under GitHub's comment size limit.
//
// The preview comes as either of the two JSON forms the Pulumi CLI writes:
// - the digest of `pulumi preview --json` ({ steps, diagnostics, changeSummary }, display.PreviewDigest);
//   it has no policy events ("we don't handle policy events in JSON serialization");
// - engine events, one JSON object per line: `pulumi preview --event-log <file>`, or the events an
//   Automation API program gets in `onEvent` (apitype.EngineEvent), policy violations included.
//
//   npx tsx scripts/pr-preview/comment.ts --stack <name> --out <file> [--preview <file>]
//     [--preview-exit <code>] [--preview-log <file>] [--manifest-diff <file>] [--manifest-diff-exit <code>]
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { EngineEvent } from "@pulumi/pulumi/automation";

/** First line of every body: how the workflow finds the comment it posted before. */
export const COMMENT_MARKER = "<!-- todo-platform-pr-preview -->";
/** GitHub refuses issue comments over 65,536 characters; keep room for the marker and a note. */
export const MAX_COMMENT_CHARS = 65_000;

export interface PreviewChange {
  op: string;
  urn: string;
  /** Properties whose change causes the step (update: diffs; replace: also the replace keys). */
  properties: string[];
  replaceKeys: string[];
}

export interface PreviewPolicyViolation {
  policyName: string;
  enforcementLevel: string;
  message: string;
  urn?: string;
}

export interface PreviewSummary {
  /** Every step that changes something (no `same`, no `read`), in the engine's order. */
  changes: PreviewChange[];
  /** Operation → count, `same` included, as the engine's summary reports it. */
  changeSummary: Record<string, number>;
  errors: string[];
  warnings: string[];
  policyViolations: PreviewPolicyViolation[];
}

interface DigestStep {
  op: string;
  urn: string;
  diffReasons?: string[];
  replaceReasons?: string[];
  detailedDiff?: Record<string, unknown> | null;
}
interface PreviewDigest {
  steps?: DigestStep[];
  diagnostics?: { urn?: string; prefix?: string; message?: string; severity?: string }[];
  changeSummary?: Record<string, number>;
}

const UNCHANGED = new Set(["same", "read"]);
const SIGN: Record<string, string> = {
  create: "+",
  update: "~",
  delete: "-",
  replace: "+-",
  "create-replacement": "++",
  "delete-replaced": "--",
  "discard-replaced": "--",
  read: ">",
  "read-replacement": ">>",
  refresh: "~",
  import: "=",
  "import-replacement": "=>",
  remove_pending_replace: "-",
};

/** ANSI colour codes (a CLI run without `--color never`), stripped from messages. */
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");
const clean = (text: string) => text.replace(ANSI, "").trim();

function changeOf(step: DigestStep | NonNullable<EngineEvent["resourcePreEvent"]>["metadata"]): PreviewChange {
  const digest = step as DigestStep;
  const event = step as NonNullable<EngineEvent["resourcePreEvent"]>["metadata"];
  const detailed = Object.keys((digest.detailedDiff ?? event.detailedDiff ?? {}) as Record<string, unknown>);
  const diffs = digest.diffReasons ?? event.diffs ?? [];
  const replaceKeys = digest.replaceReasons ?? event.keys ?? [];
  const properties = [...new Set(detailed.length > 0 ? detailed : [...diffs, ...replaceKeys])].sort();
  return { op: step.op, urn: step.urn, properties, replaceKeys: [...new Set(replaceKeys)].sort() };
}

/** The summary of engine events (an event log, or Automation API onEvent events). Pure. */
export function previewFromEvents(events: EngineEvent[]): PreviewSummary {
  const summary: PreviewSummary = { changes: [], changeSummary: {}, errors: [], warnings: [], policyViolations: [] };
  const seen = new Set<string>();
  for (const event of events) {
    const metadata = event.resourcePreEvent?.metadata;
    if (metadata && !UNCHANGED.has(metadata.op) && !metadata.urn.includes("::pulumi:pulumi:Stack::")) {
      const key = `${metadata.op} ${metadata.urn}`;
      if (!seen.has(key)) summary.changes.push(changeOf(metadata));
      seen.add(key);
    }
    const diagnostic = event.diagnosticEvent;
    if (diagnostic && !diagnostic.ephemeral) {
      const text = clean(`${diagnostic.prefix ?? ""}${diagnostic.message}`);
      if (diagnostic.severity === "error") summary.errors.push(text);
      if (diagnostic.severity === "warning") summary.warnings.push(text);
    }
    const policy = event.policyEvent;
    if (policy) {
      summary.policyViolations.push({
        policyName: policy.policyName,
        enforcementLevel: policy.enforcementLevel,
        message: clean(policy.message),
        urn: policy.resourceUrn || undefined,
      });
    }
    if (event.summaryEvent)
      summary.changeSummary = { ...(event.summaryEvent.resourceChanges as Record<string, number>) };
  }
  return summary;
}

/** The summary of a `pulumi preview --json` digest. Pure. */
export function previewFromDigest(digest: PreviewDigest): PreviewSummary {
  const diagnostics = digest.diagnostics ?? [];
  const text = (d: (typeof diagnostics)[number]) => clean(`${d.prefix ?? ""}${d.message ?? ""}`);
  return {
    changes: (digest.steps ?? [])
      .filter((step) => !UNCHANGED.has(step.op) && !step.urn.includes("::pulumi:pulumi:Stack::"))
      .map(changeOf),
    changeSummary: { ...(digest.changeSummary ?? {}) },
    errors: diagnostics.filter((d) => d.severity === "error").map(text),
    warnings: diagnostics.filter((d) => d.severity === "warning").map(text),
    policyViolations: [],
  };
}

/** Either JSON form (see the header), told apart by its shape. */
export function parsePreview(text: string): PreviewSummary {
  const trimmed = text.trim();
  if (trimmed === "") throw new Error("the preview file is empty");
  try {
    const document = JSON.parse(trimmed) as unknown;
    if (Array.isArray(document)) return previewFromEvents(document as EngineEvent[]);
    if (document && typeof document === "object") {
      const record = document as Record<string, unknown>;
      if ("steps" in record || "changeSummary" in record || "diagnostics" in record) return previewFromDigest(record);
      if ("sequence" in record || "timestamp" in record) return previewFromEvents([record as unknown as EngineEvent]);
      // An empty digest: nothing to do and nothing said.
      if (Object.keys(record).length === 0 || "config" in record) return previewFromDigest(record);
    }
  } catch {
    // not one document: an event log, one event per line
  }
  const events = trimmed.split("\n").flatMap((line, index) => {
    if (line.trim() === "") return [];
    try {
      return [JSON.parse(line) as EngineEvent];
    } catch {
      throw new Error(`line ${index + 1} of the preview file is neither a preview digest nor an engine event`);
    }
  });
  return previewFromEvents(events);
}

/** `type::name` of a URN (`urn:pulumi:<stack>::<project>::<type chain>::<name>`). */
function typeAndName(urn: string): { type: string; name: string } {
  const parts = urn.split("::");
  const name = parts.at(-1) ?? urn;
  const type = (parts.at(-2) ?? "").split("$").at(-1) ?? "";
  return { type, name };
}

const code = (text: string) => `\`${text.replaceAll("`", "'").replaceAll("|", "\\|")}\``;

function countsLine(changeSummary: Record<string, number>): string {
  const order = ["create", "update", "replace", "delete", "create-replacement", "delete-replaced", "import", "same"];
  const entries = Object.entries(changeSummary).filter(([, count]) => count > 0);
  entries.sort(([a], [b]) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99));
  if (entries.length === 0) return "no resources";
  return entries.map(([op, count]) => `${count} to ${op === "same" ? "leave unchanged" : op}`).join(", ");
}

export interface PreviewSection {
  /** The preview's summary; undefined when it produced none (it failed before planning). */
  summary?: PreviewSummary;
  /** Exit code of `pulumi preview` (0 when the preview came from a file). */
  exitCode: number;
  /** Last lines of what the CLI printed, shown when it failed. */
  log?: string;
  /** Why there is no preview at all (e.g. no pulumi on PATH, `--no-preview`). */
  skipped?: string;
}

/** The preview half of the comment. Pure. */
export function formatPreview(section: PreviewSection, stack: string, maxRows = 200): string {
  const heading = `#### \`pulumi preview\` of this PR on stack \`${stack}\``;
  if (section.skipped) return `${heading}\n\n:information_source: No preview: ${section.skipped}.\n`;
  const lines = [heading, ""];
  if (section.exitCode !== 0) lines.push(`:x: \`pulumi preview\` failed (exit ${section.exitCode}).`, "");
  const summary = section.summary;
  if (summary) {
    const { changes } = summary;
    lines.push(`**Plan:** ${countsLine(summary.changeSummary)}.`, "");
    if (changes.length === 0) lines.push("No resource changes.", "");
    else {
      lines.push("| | Operation | Type | Name | Changed properties |", "| --- | --- | --- | --- | --- |");
      for (const change of changes.slice(0, maxRows)) {
        const { type, name } = typeAndName(change.urn);
        const properties = change.properties.map((p) =>
          change.replaceKeys.includes(p) ? `${code(p)} (replace)` : code(p),
        );
        lines.push(
          `| ${code(SIGN[change.op] ?? "?")} | ${change.op} | ${code(type)} | ${code(name)} | ${properties.join(", ") || "—"} |`,
        );
      }
      if (changes.length > maxRows)
        lines.push("", `… and ${changes.length - maxRows} more resource changes (the job log has all of them).`);
      lines.push("", "<details>", "<summary>URNs</summary>", "", "```text");
      for (const change of changes.slice(0, maxRows))
        lines.push(`${(SIGN[change.op] ?? "?").padEnd(2)} ${change.op.padEnd(18)} ${change.urn}`);
      lines.push("```", "", "</details>", "");
    }
    if (summary.policyViolations.length > 0) {
      lines.push("**Policy violations:**", "");
      for (const violation of summary.policyViolations) {
        const where = violation.urn ? ` (${code(typeAndName(violation.urn).name)})` : "";
        lines.push(`- ${violation.enforcementLevel} ${code(violation.policyName)}${where}: ${violation.message}`);
      }
      lines.push("");
    }
    if (summary.errors.length > 0) {
      lines.push("**Errors:**", "", "```text", ...summary.errors, "```", "");
    }
    if (summary.warnings.length > 0) {
      lines.push(
        `<details>`,
        `<summary>Warnings (${summary.warnings.length})</summary>`,
        "",
        "```text",
        ...summary.warnings,
        "```",
        "",
        "</details>",
        "",
      );
    }
  } else {
    lines.push("The preview produced no plan.", "");
  }
  if (section.exitCode !== 0 && section.log) {
    lines.push(
      "<details>",
      "<summary>Last lines of the CLI output</summary>",
      "",
      "```text",
      section.log.trimEnd(),
      "```",
      "",
      "</details>",
      "",
    );
  }
  return `${lines.join("\n").trimEnd()}\n`;
}

/** The whole comment: marker, preview, manifest diff; cut to `maxChars`. Pure. */
export function commentBody(args: {
  stack: string;
  preview: PreviewSection;
  /** scripts/manifest-diff.ts --format markdown output, or undefined when it failed. */
  manifestDiff?: string;
  /** Why the manifest diff is missing. */
  manifestDiffProblem?: string;
  maxChars?: number;
}): string {
  const maxChars = args.maxChars ?? MAX_COMMENT_CHARS;
  const manifest =
    args.manifestDiff !== undefined
      ? args.manifestDiff.trimEnd()
      : `#### Kubernetes manifest diff\n\n:x: The manifest diff failed: ${args.manifestDiffProblem ?? "no output"}`;
  let preview = formatPreview(args.preview, args.stack);
  const assemble = () => `${COMMENT_MARKER}\n${preview.trimEnd()}\n\n${manifest}\n`;
  let body = assemble();
  // Shorten the preview table first (the manifest diff caps itself), then cut whatever is left.
  for (let rows = 100; body.length > maxChars && rows >= 10; rows = Math.floor(rows / 2)) {
    preview = formatPreview(args.preview, args.stack, rows);
    body = assemble();
  }
  if (body.length > maxChars) {
    const note = "\n\n:warning: Comment truncated to GitHub's size limit; the job summary has all of it.\n";
    body = `${body.slice(0, maxChars - note.length)}${note}`;
  }
  return body;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      stack: { type: "string" },
      out: { type: "string" },
      preview: { type: "string" },
      "preview-exit": { type: "string", default: "0" },
      "preview-log": { type: "string" },
      "preview-skipped": { type: "string" },
      "manifest-diff": { type: "string" },
      "manifest-diff-exit": { type: "string", default: "0" },
    },
  });
  if (!values.stack || !values.out) {
    console.error("usage: comment.ts --stack <name> --out <file> [--preview <file>] [--manifest-diff <file>] …");
    process.exit(2);
  }
  const read = (file: string | undefined) => (file ? readFileSync(file, "utf8") : undefined);
  const preview: PreviewSection = { exitCode: Number(values["preview-exit"]), skipped: values["preview-skipped"] };
  if (!preview.skipped) {
    const text = read(values.preview) ?? "";
    try {
      preview.summary = parsePreview(text);
    } catch (error) {
      if (preview.exitCode === 0) throw error;
      // A failed preview may print no JSON at all; the log says why.
    }
    const log = read(values["preview-log"]);
    if (log) preview.log = log.split("\n").slice(-60).join("\n");
  }
  const manifestText = read(values["manifest-diff"]);
  const manifestFailed = Number(values["manifest-diff-exit"]) !== 0;
  writeFileSync(
    values.out,
    commentBody({
      stack: values.stack,
      preview,
      manifestDiff: manifestFailed ? undefined : manifestText,
      manifestDiffProblem: manifestFailed
        ? `exit ${values["manifest-diff-exit"]}: ${(manifestText ?? "").trim().split("\n").slice(-20).join("\n")}`
        : undefined,
    }),
  );
}

if (require.main === module) main();
