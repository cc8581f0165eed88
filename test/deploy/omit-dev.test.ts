// `npm ci --omit=dev` (also what NODE_ENV=production installs) must leave a project that runs: what
// the program (index.ts and its imports) and the health CLI load at run time (zod, ts-node,
// typescript, @swc/core for the tsconfig's `"ts-node": { "swc": true }`) has to be in
// `dependencies`. A copy of the project's runtime files in a temp dir gets exactly that install from
// the lockfile (the workspaces too, as in the repo; offline from the warm npm cache), then index.ts
// runs under the Pulumi mocks preload the way the language host loads it, and the health CLI runs
// the way AiHealthCheck's Command starts it, against the fakes.
import { type SpawnSyncReturns, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import { diagnoseInvocation, parseReport } from "../../aiops/invocation";
import { aiopsConfigSchema } from "../../config/aiops";
import { type FakeWorld, fakeWorld } from "../aiops/fakes";
import type { MocksReport } from "./support/program-mocks";
import { REPO_ROOT, stackConfig } from "./support/run-program";

/** What a deploy needs from the repo: the manifests, the program and what it reads (charts, app sources). */
const RUNTIME_PATHS = [
  "package.json",
  "package-lock.json",
  "tsconfig.json",
  "Pulumi.yaml",
  "index.ts",
  "outputs.ts",
  "config",
  "components",
  "aiops",
  "lib",
  "program",
  "charts",
  // Workspaces: npm ci installs them from the lockfile, and the images are built from app/.
  "app",
  "policy",
];
/** The mocks preload and the language host's ts-node registration, run from the copy's own node_modules. */
const SUPPORT_PATHS = ["test/deploy/support/program-mocks.ts", "test/deploy/support/register-like-pulumi.js"];

/**
 * Preload that writes, on exit, every module file the process loaded from node_modules (the require
 * cache, native binaries included) to $TODO_LOADED_OUT, one JSON array.
 */
const LOADED_TRACER = `process.on("exit", () => {
  const files = Object.keys(require.cache).filter((file) => /[\\\\/]node_modules[\\\\/]/.test(file));
  require("node:fs").writeFileSync(process.env.TODO_LOADED_OUT, JSON.stringify(files));
});
`;

/** The lockfile entries ("node_modules/a/node_modules/b") the traced files belong to. */
function lockEntries(files: string[]): string[] {
  const entries = files.map((file) => {
    const rel = relative(root, file).split(sep).join("/");
    return /^((?:node_modules\/(?:@[^/]+\/)?[^/]+\/)+)/.exec(rel)?.[1]?.replace(/\/$/, "") ?? rel;
  });
  return [...new Set(entries)].sort();
}

/** Lockfile entries installed only because of a devDependency (npm marks them dev or devOptional). */
function devOnlyEntries(entries: string[]): string[] {
  const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")) as {
    packages: Record<string, { dev?: boolean; devOptional?: boolean }>;
  };
  return entries.filter((entry) => lock.packages[entry]?.dev || lock.packages[entry]?.devOptional);
}

/** The environment minus what would change how npm or node resolve (npm's own run-script variables). */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(NODE_OPTIONS|NODE_PATH)$/.test(name)) continue;
    if (/^npm_/i.test(name) && !/^npm_config_(cache|userconfig|registry)$/i.test(name)) continue;
    env[name] = value;
  }
  return env;
}

let root: string;
let install: SpawnSyncReturns<string>;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "todo-omit-dev-"));
  for (const path of [...RUNTIME_PATHS, ...SUPPORT_PATHS]) {
    cpSync(join(REPO_ROOT, path), join(root, path), {
      recursive: true,
      filter: (source) => !/[/\\](node_modules|dist)$/.test(source),
    });
  }
  writeFileSync(join(root, "loaded-tracer.js"), LOADED_TRACER);
  install = spawnSync("npm", ["ci", "--omit=dev", "--prefer-offline", "--ignore-scripts", "--no-audit", "--no-fund"], {
    cwd: root,
    env: cleanEnv(),
    encoding: "utf8",
    timeout: 90_000,
  });
}, 120_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe("npm ci --omit=dev: the program and the health CLI still run", () => {
  let world: FakeWorld | undefined;
  afterEach(() => world?.cleanup());

  it("installs from the lockfile, without the devDependencies", () => {
    expect(install.status, `${install.stdout}\n${install.stderr}`).toBe(0);
    // The install really left dev-only packages out, so what follows is not vacuous.
    for (const devOnly of ["vitest", "@biomejs/biome", "tsx"]) {
      expect(existsSync(join(root, "node_modules", devOnly)), devOnly).toBe(false);
    }
  });

  it("loads index.ts under the Pulumi mocks the way the language host does, to the end", () => {
    expect(install.status).toBe(0);
    const reportPath = join(root, "mocks-report.json");
    const run = spawnSync(
      process.execPath,
      [
        "-r",
        "./loaded-tracer.js",
        "-r",
        "./test/deploy/support/register-like-pulumi.js",
        "-r",
        "./test/deploy/support/program-mocks.ts",
        "index.ts",
      ],
      {
        cwd: root,
        encoding: "utf8",
        timeout: 60_000,
        env: {
          ...cleanEnv(),
          TS_NODE_PROJECT: join(root, "tsconfig.json"),
          PULUMI_CONFIG: JSON.stringify(
            Object.fromEntries(
              Object.entries(stackConfig("dev")).map(([key, value]) => [`todo-platform:${key}`, value]),
            ),
          ),
          TODO_MOCKS_REPORT: reportPath,
          TODO_LOADED_OUT: join(root, "loaded-program.json"),
        },
      },
    );
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(readFileSync(reportPath, "utf8")) as MocksReport;
    expect(report.completed).toBe(true);
    expect(report.resources.some((r) => r.type === "command:local:Command" && r.name === "health-analysis")).toBe(true);
    expect(Object.keys(report.exports)).toEqual(expect.arrayContaining(["appUrl", "backend", "frontend", "health"]));
    // npm keeps a devDependency that is also some package's optional peer (ts-node and typescript of
    // @pulumi/pulumi, @swc/core of ts-node) under --omit=dev, but not under --omit=optional: every
    // package the program loads must be a production dependency in its own right.
    const loaded = lockEntries(JSON.parse(readFileSync(join(root, "loaded-program.json"), "utf8")));
    expect(loaded).toEqual(
      expect.arrayContaining(["node_modules/zod", "node_modules/ts-node", "node_modules/@swc/core"]),
    );
    expect(devOnlyEntries(loaded)).toEqual([]);
  });

  it("fake kubectl and kagent: runs the health CLI as its Command starts it (node, no shell) and prints the report", () => {
    expect(install.status).toBe(0);
    world = fakeWorld(["kubectl", "kagent"], { FAKE_SCENARIO: "healthy", FAKE_KAGENT: "success" });
    const { interpreter, create } = diagnoseInvocation({
      namespace: "todo",
      releases: [{ name: "todo-backend", revision: 2, status: "deployed", imageRef: "todo-backend:abc" }],
      aiops: aiopsConfigSchema.parse({}),
      redactSecretNames: ["todo-database"],
    });
    const [program = "", ...args] = interpreter;
    const run = spawnSync(program, [...args, create], {
      cwd: root,
      env: {
        ...world.env,
        NODE_OPTIONS: `--require ${join(root, "loaded-tracer.js")}`,
        TODO_LOADED_OUT: join(root, "loaded-cli.json"),
      },
      encoding: "utf8",
      shell: false,
      timeout: 60_000,
    });
    expect(run.status, run.stderr).toBe(0);
    expect(parseReport(run.stdout)).toMatchObject({
      analyzer: "kagent",
      status: "healthy",
      revisions: { "todo-backend": 2 },
    });
    expect(world.calls("kagent").some((call) => call.args.includes("invoke"))).toBe(true);
    const loaded = lockEntries(JSON.parse(readFileSync(join(root, "loaded-cli.json"), "utf8")));
    expect(loaded).toEqual(
      expect.arrayContaining(["node_modules/zod", "node_modules/ts-node", "node_modules/typescript"]),
    );
    expect(devOnlyEntries(loaded)).toEqual([]);
  });
});
