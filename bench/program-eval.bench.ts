// Program evaluation under mocks ÷ bare `require('@pulumi/pulumi')`, in the same run (target ≤ 1.5×).
// Figures only, nothing asserted. Each sample is one fresh `node` process, timed from spawn to exit:
//   bare      node -e "require('@pulumi/pulumi')"
//   sdks      node -e "require(<every package index.ts loads>)"            (breakdown)
//   ts-node   node -r ts-node/register/transpile-only -e 0                  (breakdown)
//   program   node -r ts-node/register/transpile-only -r program-mocks.ts index.ts
//             (Pulumi's language host maps the tsconfig's `noCheck: true` to ts-node transpileOnly)
//   typecheck node -r ts-node/register -r program-mocks.ts index.ts          (what test/deploy/support/run-program.ts runs)
// Samples of the kinds are interleaved so load from other work on the machine hits all of them alike.
// The repo's node_modules stay on disk: the image hashes must prune them without reading them.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { hashBuildContext } from "../lib/image-context/context-hash";
import type { MocksReport } from "../test/deploy/support/program-mocks";

const REPO_ROOT = join(__dirname, "..");
const PRELOAD = join(REPO_ROOT, "test/deploy/support/program-mocks.ts");
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 7);
const TYPECHECK_ITERATIONS = Number(process.env.BENCH_TYPECHECK_ITERATIONS ?? 2);
const SDKS = [
  "@pulumi/pulumi",
  "@pulumi/kubernetes",
  "@pulumi/docker",
  "@pulumi/docker-build",
  "@pulumi/command",
  "@pulumi/random",
  "zod",
];
const DOCKERFILES = ["app/backend/Dockerfile", "app/frontend/Dockerfile"];

const tmp = mkdtempSync(join(tmpdir(), "program-eval-bench-"));
const reportPath = join(tmp, "report.json");
const env = {
  ...process.env,
  TS_NODE_PROJECT: join(REPO_ROOT, "tsconfig.json"),
  PULUMI_CONFIG: JSON.stringify({}),
  PULUMI_CONFIG_SECRET_KEYS: "[]",
  TODO_MOCKS_REPORT: reportPath,
  TODO_MOCKS_PROJECT: "todo-platform",
  TODO_MOCKS_STACK: "bench",
};

type Kind = "bare" | "sdks" | "ts-node" | "program" | "typecheck";
const COMMANDS: Record<Kind, string[]> = {
  bare: ["-e", "require('@pulumi/pulumi')"],
  sdks: ["-e", SDKS.map((name) => `require(${JSON.stringify(name)})`).join(";")],
  "ts-node": ["-r", "ts-node/register/transpile-only", "-e", "0"],
  program: ["-r", "ts-node/register/transpile-only", "-r", PRELOAD, join(REPO_ROOT, "index.ts")],
  typecheck: ["-r", "ts-node/register", "-r", PRELOAD, join(REPO_ROOT, "index.ts")],
};

function sample(kind: Kind): number {
  rmSync(reportPath, { force: true });
  const started = performance.now();
  const child = spawnSync(process.execPath, COMMANDS[kind], {
    cwd: REPO_ROOT,
    env,
    encoding: "utf8",
    timeout: 300_000,
  });
  const elapsed = performance.now() - started;
  if (child.status !== 0) throw new Error(`${kind} exited ${child.status}:\n${child.stderr}`);
  if (kind === "program" || kind === "typecheck") {
    const report = JSON.parse(readFileSync(reportPath, "utf8")) as MocksReport;
    const images = report.resources.filter((r) => r.type === "todo-platform:image:AppImage").length;
    if (!report.completed || images !== 2) {
      throw new Error(
        `${kind}: the program did not complete under mocks (completed ${report.completed}, ${images} AppImages)`,
      );
    }
  }
  return elapsed;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
const ms = (value: number) => `${value.toFixed(0).padStart(6)} ms`;

function pruningCheck(): void {
  const present = ["node_modules", "app/backend/node_modules", "app/frontend/node_modules"].filter((dir) =>
    existsSync(join(REPO_ROOT, dir)),
  );
  console.log(`node_modules on disk: ${present.join(", ")}`);
  for (const dockerfile of DOCKERFILES) {
    const read: string[] = [];
    const started = performance.now();
    const hash = hashBuildContext({ context: REPO_ROOT, dockerfile }, (dir) => read.push(dir));
    const elapsed = performance.now() - started;
    const inNodeModules = read.filter((dir) => dir.split("/").includes("node_modules"));
    const pruned = hash.prunedDirs.filter((dir) => dir.split("/").includes("node_modules"));
    console.log(
      `${dockerfile}: ${hash.entries.length} entries, ${hash.bytes} bytes hashed in ${elapsed.toFixed(1)} ms; ` +
        `node_modules dirs read: ${inNodeModules.length}; pruned unread: ${pruned.join(", ") || "none"}`,
    );
    if (inNodeModules.length > 0) throw new Error(`${dockerfile}: hashing walked into ${inNodeModules.join(", ")}`);
  }
}

function main(): void {
  console.log(`node ${process.version}, ${ITERATIONS} iterations (type-check mode: ${TYPECHECK_ITERATIONS})`);
  pruningCheck();
  // One unmeasured round warms the page cache and ts-node's compiler load for every kind.
  for (const kind of ["bare", "sdks", "ts-node", "program"] as const) sample(kind);
  const samples: Record<Kind, number[]> = { bare: [], sdks: [], "ts-node": [], program: [], typecheck: [] };
  for (let i = 0; i < ITERATIONS; i += 1) {
    for (const kind of ["bare", "sdks", "ts-node", "program"] as const) samples[kind].push(sample(kind));
    if (i < TYPECHECK_ITERATIONS) samples.typecheck.push(sample("typecheck"));
  }
  const bare = median(samples.bare);
  const line = (label: string, kind: Kind) => {
    const values = samples[kind];
    if (values.length === 0) return;
    console.log(
      `${label.padEnd(52)} median ${ms(median(values))}  (${(median(values) / bare).toFixed(2)}× bare; ` +
        `min ${Math.min(...values).toFixed(0)}, max ${Math.max(...values).toFixed(0)}, n=${values.length})`,
    );
  };
  line("bare require('@pulumi/pulumi')", "bare");
  line(`require every SDK index.ts loads (${SDKS.length})`, "sdks");
  line("ts-node/register/transpile-only, empty program", "ts-node");
  line("program under mocks, ts-node transpile-only (Pulumi)", "program");
  line("program under mocks, ts-node type-check (run-program)", "typecheck");
  const ratio = median(samples.program) / bare;
  console.log(
    `program ÷ bare require (transpile-only): ${ratio.toFixed(2)}× (target ≤ 1.5×: ${ratio <= 1.5 ? "met" : "NOT met"})`,
  );
}

try {
  main();
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
