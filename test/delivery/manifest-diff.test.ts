// The manifest diff on the real todo-service chart: a template edit made in a temp copy of the
// chart must surface as a Kubernetes object diff, which the Pulumi values diff cannot show.
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { diffTrees } from "../../scripts/manifest-diff";
import { diffObjects, formatMarkdown, formatText } from "../../scripts/manifest-diff/diff";
import { parseObjects } from "../../scripts/manifest-diff/objects";
import { type ReleaseInput, renderRelease } from "../../scripts/manifest-diff/render";
import { releasesOfTree } from "../../scripts/manifest-diff/tree";
import { helmBinary } from "../support/helm";

const REPO = join(__dirname, "../..");
const CHART = join(REPO, "charts/todo-service");
const values = { component: "backend", replicaCount: 2, image: { ref: "todo-backend:0123456789ab" } };

describe("manifest diff with helm template", () => {
  let helm: string;
  let workDir: string;
  let editedChart: string;

  const release = (chartDir: string): ReleaseInput => ({ name: "backend", namespace: "todo", chartDir, values });

  beforeAll(() => {
    helm = helmBinary("3");
    workDir = mkdtempSync(join(tmpdir(), "manifest-diff-test-"));
    editedChart = join(workDir, "todo-service");
    cpSync(CHART, editedChart, { recursive: true });
  });
  afterAll(() => rmSync(workDir, { recursive: true, force: true }));

  it("an unchanged chart with unchanged values has no object diff", async () => {
    const base = parseObjects(await renderRelease(release(CHART), helm), "todo");
    const head = parseObjects(await renderRelease(release(editedChart), helm), "todo");
    expect(base.size).toBeGreaterThan(2);
    expect(diffObjects(base, head)).toEqual([]);
  });

  it("shows a template edit as a change of exactly the edited Kubernetes object", async () => {
    const template = join(editedChart, "templates/deployment.yaml");
    const original = readFileSync(template, "utf8");
    expect(original).toContain("revisionHistoryLimit: 5");
    writeFileSync(template, original.replace("revisionHistoryLimit: 5", "revisionHistoryLimit: 9"));
    try {
      const base = parseObjects(await renderRelease(release(CHART), helm), "todo");
      const head = parseObjects(await renderRelease(release(editedChart), helm), "todo");
      const diffs = diffObjects(base, head);
      expect(diffs.map((d) => [d.key, d.change])).toEqual([["Deployment todo/backend", "changed"]]);
      expect(diffs[0]?.patch).toMatch(/^-\s+revisionHistoryLimit: 5$/m);
      expect(diffs[0]?.patch).toMatch(/^\+\s+revisionHistoryLimit: 9$/m);
      expect(formatText(diffs)).toContain("~ Deployment todo/backend (changed)");
    } finally {
      writeFileSync(template, original);
    }
  });

  it("shows a new template as an added object and a values change in every object it reaches", async () => {
    const extra = join(editedChart, "templates/extra-configmap.yaml");
    writeFileSync(extra, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\ndata:\n  a: b\n");
    try {
      const base = parseObjects(await renderRelease(release(CHART), helm), "todo");
      const head = parseObjects(
        await renderRelease({ ...release(editedChart), values: { ...values, replicaCount: 3 } }, helm),
        "todo",
      );
      const diffs = diffObjects(base, head);
      expect(diffs.find((d) => d.key === "ConfigMap todo/extra")?.change).toBe("added");
      expect(diffs.find((d) => d.key === "Deployment todo/backend")?.patch).toMatch(/^\+\s+replicas: 3$/m);
    } finally {
      rmSync(extra);
    }
  });

  it("rejects with helm's own message when the chart fails to render", async () => {
    await expect(
      renderRelease({ ...release(CHART), values: { ...values, replicaCount: "many" } }, helm),
    ).rejects.toThrow(/helm template backend .* failed: .*replicaCount/s);
  });
});

describe("manifest diff between two source trees (what the preview workflow runs)", () => {
  let helm: string;
  let workDir: string;

  /** A copy of the parts of the repo the diff reads, resolving packages from the repo's node_modules. */
  function copyTree(name: string): string {
    const root = join(workDir, name);
    for (const dir of ["charts", "components", "config"]) cpSync(join(REPO, dir), join(root, dir), { recursive: true });
    symlinkSync(join(REPO, "node_modules"), join(root, "node_modules"), "dir");
    return root;
  }

  beforeAll(() => {
    helm = helmBinary("3");
    workDir = mkdtempSync(join(tmpdir(), "manifest-diff-trees-"));
  });
  afterAll(() => rmSync(workDir, { recursive: true, force: true }));

  it("computes both releases with the tree's own releaseValues()", async () => {
    const releases = await releasesOfTree(REPO);
    expect(releases.map((r) => [r.name, (r.values as { component: string }).component])).toEqual([
      ["todo-backend", "backend"],
      ["todo-frontend", "frontend"],
    ]);
  });

  it("a template edit in the PR tree shows as a diff of the objects that template renders", async () => {
    const base = copyTree("base");
    const head = copyTree("head");
    const template = join(head, "charts/todo-service/templates/deployment.yaml");
    writeFileSync(
      template,
      readFileSync(template, "utf8").replace("revisionHistoryLimit: 5", "revisionHistoryLimit: 9"),
    );

    const diffs = await diffTrees(base, head, helm);

    expect(diffs.map((d) => `${d.change} ${d.key}`)).toEqual([
      "changed Deployment todo-preview/todo-backend",
      "changed Deployment todo-preview/todo-frontend",
    ]);
    for (const d of diffs) {
      expect(d.patch).toMatch(/^-\s+revisionHistoryLimit: 5$/m);
      expect(d.patch).toMatch(/^\+\s+revisionHistoryLimit: 9$/m);
    }
  });

  it("a tree without the chart yet shows every object of the other tree as added", async () => {
    const empty = join(workDir, "empty");
    cpSync(join(REPO, "config"), join(empty, "config"), { recursive: true });
    const diffs = await diffTrees(empty, REPO, helm);
    expect(diffs.length).toBeGreaterThan(4);
    expect(diffs.every((d) => d.change === "added")).toBe(true);
    expect(diffs.map((d) => d.key)).toContain("Deployment todo-preview/todo-frontend");
  });
});

describe("formatMarkdown", () => {
  const diff = (lines: number) => ({
    key: "Deployment todo/backend",
    change: "changed" as const,
    patch: `--- base\n+++ head\n@@ -1,${lines} +1,${lines} @@\n${Array.from({ length: lines }, (_, i) => `+line ${i}`).join("\n")}\n`,
  });

  it("says so when nothing changed", () => {
    expect(formatMarkdown([])).toContain("No Kubernetes object changes.");
  });

  it("shows a short diff inline and collapses a long one in <details>", () => {
    expect(formatMarkdown([diff(5)])).not.toContain("<details>");
    expect(formatMarkdown([diff(5)])).toContain("```diff\n--- base");
    const long = formatMarkdown([diff(200)]);
    expect(long).toContain("<details>\n<summary>Unified diff (");
    expect(long).toContain("- `~ Deployment todo/backend` changed");
  });

  it("truncates to the size a GitHub comment allows and says where the rest is", () => {
    const markdown = formatMarkdown([diff(5_000)], { maxChars: 5_000 });
    expect(markdown.length).toBeLessThanOrEqual(5_000);
    expect(markdown).toContain("Truncated");
    expect(markdown.match(/```/g)?.length).toBe(2);
  });
});
