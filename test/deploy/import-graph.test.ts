// Config is read and validated before any resource exists, so nothing under config/ may depend on
// a component, directly or through another module (lib/, outputs.ts...): components import
// config, never the other way round. And the local-cluster e2e drives the program only through
// config and index.ts: no script under scripts/local-cluster/ loads program/ or components/.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import * as ts from "typescript";
import { describe, expect, it } from "vitest";

const REPO = join(__dirname, "..", "..");

/** The repo file a relative import names (`./x` → x.ts or x/index.ts), or undefined for packages. */
function resolveImport(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith(".")) return undefined;
  const base = resolve(dirname(from), specifier);
  for (const candidate of [base, `${base}.ts`, join(base, "index.ts")]) {
    if (candidate.endsWith(".ts") && statSync(candidate, { throwIfNoEntry: false })?.isFile()) return candidate;
  }
  throw new Error(`${relative(REPO, from)} imports ${specifier}, which names no .ts file`);
}

/** Every import chain from `entry` that reaches a file under `forbiddenDir`, as repo-relative paths. */
function forbiddenChains(root: string, entry: string, forbiddenDir: string): string[][] {
  const forbidden = `${join(root, forbiddenDir)}/`;
  const chains: string[][] = [];
  const seen = new Set<string>();
  const visit = (file: string, chain: string[]) => {
    if (seen.has(file)) return;
    seen.add(file);
    const { importedFiles } = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
    for (const { fileName } of importedFiles) {
      const target = resolveImport(file, fileName);
      if (!target) continue;
      const next = [...chain, relative(root, target)];
      if (target.startsWith(forbidden)) chains.push(next);
      else visit(target, next);
    }
  };
  visit(entry, [relative(root, entry)]);
  return chains;
}

const tsFilesUnder = (root: string, dir: string) =>
  (readdirSync(join(root, dir), { recursive: true }) as string[])
    .filter((file) => file.endsWith(".ts") && !file.endsWith(".test.ts"))
    .map((file) => join(root, dir, file));

describe("import graph: config/ never depends on components/", () => {
  it("no file under config/ imports from components/, directly or through another module", () => {
    const files = tsFilesUnder(REPO, "config");
    expect(files.length).toBeGreaterThan(3);
    const chains = files.flatMap((file) => forbiddenChains(REPO, file, "components"));
    expect(chains.map((chain) => chain.join(" → "))).toEqual([]);
  });

  it("the check finds an indirect import (config → lib → components) planted in a scratch tree", () => {
    const root = mkdtempSync(join(tmpdir(), "import-graph-"));
    try {
      for (const dir of ["config", "lib", "components"]) mkdirSync(join(root, dir));
      writeFileSync(join(root, "config/index.ts"), 'import { a } from "../lib/helper";\nexport const b = a;\n');
      writeFileSync(join(root, "lib/helper.ts"), 'export { a } from "../components/widget";\n');
      writeFileSync(join(root, "components/widget.ts"), "export const a = 1;\n");
      expect(forbiddenChains(root, join(root, "config/index.ts"), "components")).toEqual([
        ["config/index.ts", "lib/helper.ts", "components/widget.ts"],
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

/**
 * The repo files `file` loads when it runs: static imports and re-exports that are not type-only,
 * `require("…")` and `import("…")`. Type-only imports (`import type`, or only `type` specifiers)
 * load nothing, so a type from outputs.ts, the contract, is fine.
 */
function runtimeImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true);
  const specifiers: string[] = [];
  const typeOnly = (clause: ts.ImportClause | undefined) => {
    if (!clause) return false; // `import "./x"`: a side-effect import
    if (clause.isTypeOnly) return true;
    const named = clause.namedBindings;
    return !clause.name && named !== undefined && ts.isNamedImports(named) && named.elements.length > 0
      ? named.elements.every((element) => element.isTypeOnly)
      : false;
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      if (!typeOnly(node.importClause)) specifiers.push(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      if (!node.isTypeOnly) specifiers.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
        (ts.isIdentifier(node.expression) && node.expression.text === "require")) &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      specifiers.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return specifiers.flatMap((specifier) => resolveImport(file, specifier) ?? []);
}

/** Every runtime import chain from `entry` into one of `forbiddenDirs`, as root-relative paths. */
function runtimeChainsInto(root: string, entry: string, forbiddenDirs: string[]): string[][] {
  const forbidden = forbiddenDirs.map((dir) => `${join(root, dir)}/`);
  const chains: string[][] = [];
  const seen = new Set<string>();
  const visit = (file: string, chain: string[]) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const target of runtimeImports(file)) {
      const next = [...chain, relative(root, target)];
      if (forbidden.some((dir) => target.startsWith(dir))) chains.push(next);
      else visit(target, next);
    }
  };
  visit(entry, [relative(root, entry)]);
  return chains;
}

/**
 * Scripts of scripts/local-cluster/ that load program/ or components/, each with its reason.
 * - smoke.ts deploys the chart with helm before any Pulumi runs (the layer that tells a chart
 *   problem from an engine one), with the values the program would give it from
 *   components/release-values.ts and components/chart.ts, so the smoke and the program cannot drift
 *   apart. It wires no resource and copies nothing of index.ts. engine.ts, which deploys the
 *   program, runs index.ts itself (index-program.ts) and is not listed.
 * - latency-bench.ts (`npm run bench:latency`) deploys through smoke.ts's deployApp and varies
 *   those same values one at a time, to measure each against the program's own.
 */
const LOADS_PROGRAM_OR_COMPONENTS = new Set(["smoke.ts", "latency-bench.ts"]);

describe("import graph: scripts/local-cluster/ drives the program only through config and index.ts", () => {
  const dir = join(REPO, "scripts", "local-cluster");
  const scripts = (readdirSync(dir, { recursive: true }) as string[]).filter(
    (file) => file.endsWith(".ts") && !file.endsWith(".d.ts"),
  );

  it("no script (outside the commented list) loads program/ or components/, directly or through another module", () => {
    expect(scripts).toContain("index-program.ts");
    const chains = scripts
      .filter((file) => !LOADS_PROGRAM_OR_COMPONENTS.has(file))
      .flatMap((file) => runtimeChainsInto(REPO, join(dir, file), ["program", "components"]));
    expect(chains.map((chain) => chain.join(" → "))).toEqual([]);
  });

  it("index-program.ts loads no file of the repository at all", () => {
    expect(runtimeImports(join(dir, "index-program.ts"))).toEqual([]);
  });

  it("the list holds only files that exist and still load program/ or components/ (an entry goes once its file is migrated)", () => {
    for (const file of LOADS_PROGRAM_OR_COMPONENTS) {
      expect(scripts, file).toContain(file);
      expect(runtimeChainsInto(REPO, join(dir, file), ["program", "components"]).length, file).toBeGreaterThan(0);
    }
  });

  it("the check follows runtime imports (require, re-exports, via another module) and ignores type-only ones, in a scratch tree", () => {
    const root = mkdtempSync(join(tmpdir(), "import-graph-scripts-"));
    try {
      for (const sub of ["scripts", "lib", "components", "program"]) mkdirSync(join(root, sub));
      writeFileSync(
        join(root, "scripts/e2e.ts"),
        [
          'import type { Widget } from "../components/widget";',
          'import { type Gadget } from "../components/gadget";',
          'import { helper } from "../lib/helper";',
          'const late = require("../program/late");',
          "export const all: [Widget?, Gadget?, unknown?, unknown?] = [undefined, undefined, helper, late];",
        ].join("\n"),
      );
      writeFileSync(join(root, "lib/helper.ts"), 'export { helper } from "../components/helper";\n');
      writeFileSync(join(root, "components/helper.ts"), "export const helper = 1;\n");
      writeFileSync(join(root, "components/widget.ts"), "export type Widget = 1;\n");
      writeFileSync(join(root, "components/gadget.ts"), "export type Gadget = 1;\n");
      writeFileSync(join(root, "program/late.ts"), "export const late = 1;\n");
      expect(runtimeChainsInto(root, join(root, "scripts/e2e.ts"), ["program", "components"])).toEqual([
        ["scripts/e2e.ts", "lib/helper.ts", "components/helper.ts"],
        ["scripts/e2e.ts", "program/late.ts"],
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
