// Object-level unified diff between two sets of rendered Kubernetes objects, as plain text for a
// terminal and as Markdown for the pull-request comment.
import { createTwoFilesPatch } from "diff";

import type { KubernetesObject } from "./objects";

export type ObjectChange = "added" | "removed" | "changed";

export interface ObjectDiff {
  key: string;
  change: ObjectChange;
  /** Unified diff of the object's canonical YAML, base → head. */
  patch: string;
}

const SIGN: Record<ObjectChange, string> = { added: "+", removed: "-", changed: "~" };

/** Every object that was added, removed or changed, sorted by key; unchanged ones are left out. */
export function diffObjects(base: Map<string, KubernetesObject>, head: Map<string, KubernetesObject>): ObjectDiff[] {
  const keys = [...new Set([...base.keys(), ...head.keys()])].sort();
  const diffs: ObjectDiff[] = [];
  for (const key of keys) {
    const before = base.get(key)?.yaml;
    const after = head.get(key)?.yaml;
    if (before === after) continue;
    const change: ObjectChange = before === undefined ? "added" : after === undefined ? "removed" : "changed";
    const patch = createTwoFilesPatch(`base/${key}`, `head/${key}`, before ?? "", after ?? "", "", "", { context: 3 })
      // The first line is a row of "=" that only clutters the output.
      .replace(/^=+\n/, "");
    diffs.push({ key, change, patch });
  }
  return diffs;
}

/** One line per object, then every patch: what `scripts/manifest-diff.ts` prints. */
export function formatText(diffs: ObjectDiff[]): string {
  if (diffs.length === 0) return "No Kubernetes object changes.\n";
  const summary = diffs.map((d) => `${SIGN[d.change]} ${d.key} (${d.change})`).join("\n");
  return `${summary}\n\n${diffs.map((d) => d.patch).join("\n")}`;
}

export interface MarkdownOptions {
  /** Patches longer than this many lines are collapsed in a <details> block. @default 40 */
  collapseAfterLines?: number;
  /** Hard cap on the Markdown length (GitHub comments stop at 65,536 characters). @default 30000 */
  maxChars?: number;
}

/** The section appended to the Pulumi preview comment. */
export function formatMarkdown(diffs: ObjectDiff[], options: MarkdownOptions = {}): string {
  const collapseAfter = options.collapseAfterLines ?? 40;
  const maxChars = options.maxChars ?? 30_000;
  const heading = "#### Kubernetes manifest diff (`helm template`, base → this PR)";
  if (diffs.length === 0) return `${heading}\n\nNo Kubernetes object changes.\n`;
  const summary = diffs.map((d) => `- \`${SIGN[d.change]} ${d.key}\` ${d.change}`).join("\n");
  const patches = diffs.map((d) => d.patch).join("\n");
  const fence = "```";
  let body = `${fence}diff\n${patches}${patches.endsWith("\n") ? "" : "\n"}${fence}`;
  const room = maxChars - heading.length - summary.length - 200;
  if (body.length > room) {
    const cut = patches.slice(0, Math.max(0, room - 40));
    body = `${fence}diff\n${cut.slice(0, cut.lastIndexOf("\n") + 1)}${fence}\n\n:warning: Truncated; run \`npx tsx scripts/manifest-diff.ts\` locally for the whole diff.`;
  }
  const lineCount = patches.split("\n").length;
  const details =
    lineCount > collapseAfter
      ? `<details>\n<summary>Unified diff (${lineCount} lines)</summary>\n\n${body}\n\n</details>`
      : body;
  return `${heading}\n\n${summary}\n\n${details}\n`;
}
