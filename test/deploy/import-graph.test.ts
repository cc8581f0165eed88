// Config is read and validated before any resource exists, so nothing under config/ may depend on
// a component, directly or through another module (lib/, outputs.ts...): components import
// config, never the other way round.
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
