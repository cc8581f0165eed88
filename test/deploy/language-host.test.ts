// What Pulumi's Node.js language host needs from this project, which vitest (compiling TypeScript
// its own way) would never notice: the ts-node and typescript its peer ranges accept, the SWC
// binding tsconfig.json asks ts-node for, and the entry point it loads.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

import { REPO_ROOT } from "./support/run-program";

const json = (path: string) => JSON.parse(readFileSync(join(REPO_ROOT, path), "utf8"));
const major = (version: string) => Number(version.split(".")[0]);

describe("the project as Pulumi's language host loads it", () => {
  const rootPackage = json("package.json");
  const tsconfig = json("tsconfig.json");

  it("installs a typescript and a ts-node inside @pulumi/pulumi's peer ranges (typescript < 7, ts-node < 12)", () => {
    const peers = json("node_modules/@pulumi/pulumi/package.json").peerDependencies as Record<string, string>;
    expect(peers.typescript).toMatch(/<\s*7/);
    expect(peers["ts-node"]).toMatch(/<\s*12/);
    expect(major(json("node_modules/typescript/package.json").version)).toBeLessThan(7);
    expect(major(json("node_modules/ts-node/package.json").version)).toBe(10);
    expect(rootPackage.dependencies.typescript).toMatch(/^[~^]?[1-6]\./);
  });

  it("skips type checks on every deploy (noCheck → transpileOnly) and has the SWC binding ts-node is told to use", () => {
    expect(tsconfig.compilerOptions.noCheck).toBe(true);
    expect(tsconfig["ts-node"]).toEqual({ swc: true });
    expect(() => require.resolve("@swc/core", { paths: [REPO_ROOT] })).not.toThrow();
    // npm test checks the types instead.
    expect(rootPackage.scripts.typecheck).toContain("--noCheck false");
  });

  it("names index.ts as the program Pulumi runs", () => {
    expect(rootPackage.main).toBe("index.ts");
    expect(readFileSync(join(REPO_ROOT, "Pulumi.yaml"), "utf8")).toMatch(/runtime:\s*\n\s*name: nodejs/);
  });
});
