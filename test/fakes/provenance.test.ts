// Issue 14, "How to keep it true": every fake under test/fakes/bin and every recorded output under
// test/fakes/fixtures says which tool, which version and which source file it reproduces, and the
// versions are the ones lib/laptop-versions.ts pins.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { LAPTOP_VERSIONS } from "../../lib/laptop-versions";

const FAKES = resolve(__dirname);
const BIN = join(FAKES, "bin");
const FIXTURES = join(FAKES, "fixtures");

/** `Source: owner/repo@v1.2.3 path/in/repo — what comes from it` (a path may end in a glob such as *.go). */
const SOURCE_LINE = /^(?:\/\/ )?Source: ([\w.-]+\/[\w.-]+)@v(\d+\.\d+\.\d+[\w.+-]*) (\S+) — \S.*$/;
const TOOL_LINE = /^(?:\/\/ )?Tool: (\S+) (\d+\.\d+(?:\.\d+)?[\w.+-]*)$/;

/** The tools lib/laptop-versions.ts pins, by fake name, with the repository whose tag they read. */
const PINNED: Record<string, { version: string; repo: string }> = {
  minikube: { version: LAPTOP_VERSIONS.minikube.newest, repo: "kubernetes/minikube" },
  kagent: { version: LAPTOP_VERSIONS.kagent.newest, repo: "kagent-dev/kagent" },
  k8sgpt: { version: LAPTOP_VERSIONS.k8sgpt.newest, repo: "k8sgpt-ai/k8sgpt" },
  "kubectl-ai": { version: LAPTOP_VERSIONS.kubectlAi.newest, repo: "GoogleCloudPlatform/kubectl-ai" },
};

function lines(text: string): string[] {
  return text.split(/\r?\n/).map((line) => line.trim());
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** The problems with one file's provenance notes; empty when it has a Tool line for `tool` and Source lines. */
function provenanceProblems(text: string, tool: string | undefined): string[] {
  const problems: string[] = [];
  const all = lines(text);
  const tools = all.map((line) => TOOL_LINE.exec(line)).filter((m) => m !== null);
  const sources = all.map((line) => SOURCE_LINE.exec(line)).filter((m) => m !== null);
  const malformed = all.filter((line) => /^(?:\/\/ )?Source:/.test(line) && !SOURCE_LINE.test(line));
  for (const line of malformed)
    problems.push(`malformed Source line (want "Source: owner/repo@vX.Y.Z path — what"): ${line}`);
  if (sources.length === 0) problems.push("no Source line");
  if (tool !== undefined) {
    const own = tools.find((m) => m[1] === tool);
    if (!own) problems.push(`no "Tool: ${tool} <version>" line`);
    const pin = PINNED[tool];
    if (own && pin) {
      if (own[2] !== pin.version)
        problems.push(`Tool says ${tool} ${own[2]} but lib/laptop-versions.ts pins ${pin.version}`);
      for (const m of sources) {
        if (m[1] === pin.repo && m[2] !== pin.version) {
          problems.push(`Source cites ${pin.repo}@v${m[2]}, not the pinned v${pin.version}: ${m[0]}`);
        }
      }
    }
  } else {
    // A fixtures folder: a Tool line is optional, but a pinned tool's must say the pinned version.
    for (const m of tools) {
      const pin = m[1] === undefined ? undefined : PINNED[m[1]];
      if (pin && m[2] !== pin.version)
        problems.push(`Tool says ${m[1]} ${m[2]} but lib/laptop-versions.ts pins ${pin.version}`);
    }
  }
  return problems;
}

describe("the fakes say where each behaviour comes from", () => {
  const fakes = readdirSync(BIN).filter((name) => statSync(join(BIN, name)).isFile());

  it("finds the fakes", () => {
    expect(fakes).toEqual(expect.arrayContaining(["helm", "kagent", "k8sgpt", "kubectl", "kubectl-ai", "minikube"]));
  });

  it.each(fakes)("bin/%s has a Tool line named after it and Source lines at the pinned tag", (name) => {
    expect(provenanceProblems(readFileSync(join(BIN, name), "utf8"), name)).toEqual([]);
  });

  it("the check itself refuses a fake without notes, a wrong version and a bad Source line", () => {
    expect(provenanceProblems("#!/usr/bin/env node\n// FAKE minikube: prints things\n", "minikube")).toEqual([
      "no Source line",
      'no "Tool: minikube <version>" line',
    ]);
    const stale =
      "// Tool: minikube 1.34.0\n// Source: kubernetes/minikube@v1.34.0 cmd/minikube/cmd/version.go — version\n";
    expect(provenanceProblems(stale, "minikube")).toEqual([
      `Tool says minikube 1.34.0 but lib/laptop-versions.ts pins ${LAPTOP_VERSIONS.minikube.newest}`,
      `Source cites kubernetes/minikube@v1.34.0, not the pinned v${LAPTOP_VERSIONS.minikube.newest}: ${stale.split("\n")[1]}`,
    ]);
    const wrongTag = `// Tool: minikube ${LAPTOP_VERSIONS.minikube.newest}\n// Source: kubernetes/minikube@v1.34.0 cmd/minikube/cmd/version.go — version\n`;
    expect(provenanceProblems(wrongTag, "minikube")).toHaveLength(1);
    expect(provenanceProblems("// Tool: helm 3.17.2\n// Source: helm cmd/helm/status.go\n", "helm")[0]).toMatch(
      /^malformed Source line/,
    );
  });
});

describe("the recorded outputs say where they come from", () => {
  const folders = readdirSync(FIXTURES).filter((name) => statSync(join(FIXTURES, name)).isDirectory());

  it.each(folders)("fixtures/%s has a SOURCE.md with Source lines that names every fixture", (folder) => {
    const dir = join(FIXTURES, folder);
    let text: string;
    try {
      text = readFileSync(join(dir, "SOURCE.md"), "utf8");
    } catch {
      throw new Error(`fixtures/${folder} has no SOURCE.md`);
    }
    expect(provenanceProblems(text, undefined)).toEqual([]);
    const unnamed = filesUnder(dir)
      .map((path) => relative(dir, path).split("\\").join("/"))
      .filter((path) => path !== "SOURCE.md")
      .filter((path) => !text.includes(path));
    expect(unnamed, `fixtures/${folder}/SOURCE.md does not name these fixtures`).toEqual([]);
  });
});
