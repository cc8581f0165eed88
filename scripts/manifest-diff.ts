// Kubernetes manifest diff between two source trees, per object: what a reviewer needs because
// helm.v3.Release previews show only changed values (pulumi-kubernetes#1701).
//
//   npx tsx scripts/manifest-diff.ts                      # base = git ref main, head = this tree
//   npx tsx scripts/manifest-diff.ts --base-ref origin/main --format markdown
//   npx tsx scripts/manifest-diff.ts --base ../base --head .   # two checkouts (preview workflow)
//
// Exit code 0 whether or not objects changed; 1 on a render error, 2 on bad arguments.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

import { diffObjects, formatMarkdown, formatText, type ObjectDiff } from "./manifest-diff/diff";
import { type KubernetesObject, parseObjects } from "./manifest-diff/objects";
import { type ReleaseInput, renderRelease, resolveHelm } from "./manifest-diff/render";
import { releasesOfTree } from "./manifest-diff/tree";

/** Renders every release and merges their objects into one map. */
export async function renderTree(releases: ReleaseInput[], helm: string): Promise<Map<string, KubernetesObject>> {
  const all = new Map<string, KubernetesObject>();
  for (const release of releases) {
    for (const [key, object] of parseObjects(await renderRelease(release, helm), release.namespace))
      all.set(key, object);
  }
  return all;
}

/** The per-object diff between the releases of two source trees. */
export async function diffTrees(
  baseRoot: string,
  headRoot: string,
  helm: string = resolveHelm(),
): Promise<ObjectDiff[]> {
  const [base, head] = await Promise.all([
    releasesOfTree(baseRoot).then((releases) => renderTree(releases, helm)),
    releasesOfTree(headRoot).then((releases) => renderTree(releases, helm)),
  ]);
  return diffObjects(base, head);
}

/**
 * Extracts the chart and components of a git ref into a temp dir, with node_modules linked to
 * the head tree's so the ref's TypeScript resolves its imports.
 */
function checkoutRef(ref: string, headRoot: string): { root: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), "manifest-diff-base-"));
  const archive = execFileSync(
    "git",
    ["-C", headRoot, "archive", "--format=tar", ref, "--", "charts", "components", "config"],
    {
      maxBuffer: 256 * 1024 * 1024,
    },
  );
  execFileSync("tar", ["-x", "-C", root], { input: archive });
  symlinkSync(join(headRoot, "node_modules"), join(root, "node_modules"), "dir");
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      base: { type: "string" },
      "base-ref": { type: "string" },
      head: { type: "string", default: "." },
      format: { type: "string", default: "text" },
    },
  });
  if (values.format !== "text" && values.format !== "markdown") {
    console.error(`--format must be text or markdown, got ${values.format}`);
    process.exit(2);
  }
  if (values.base && values["base-ref"]) {
    console.error("give either --base <dir> or --base-ref <git ref>, not both");
    process.exit(2);
  }
  const headRoot = resolve(values.head);
  const base = values.base
    ? { root: resolve(values.base), cleanup: () => {} }
    : checkoutRef(values["base-ref"] ?? "main", headRoot);
  try {
    const diffs = await diffTrees(base.root, headRoot);
    process.stdout.write(values.format === "markdown" ? formatMarkdown(diffs) : formatText(diffs));
  } finally {
    base.cleanup();
  }
}

if (require.main === module) {
  main().catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
}
