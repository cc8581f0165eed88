// Program evaluation under mocks ÷ bare `require('@pulumi/pulumi')`, in the same run (target ≤ 1.5×).
// Figures only, nothing asserted. Each sample is one fresh `node` process; two figures per sample:
// wall time from spawn to exit, and the process's own CPU time (user + system, all threads, read by
// a tiny preload at exit), which other work on the shared machine disturbs far less than wall time.
//   bare      node -e "require('@pulumi/pulumi')"
//   sdks      node -e "require(<every package index.ts loads>)"            (breakdown)
//   ts-node   node -r ts-node/register/transpile-only -e 0                  (breakdown)
//   program   node -r ts-node/register/transpile-only -r program-mocks.ts index.ts
//             (Pulumi's language host maps the tsconfig's `noCheck: true` to ts-node transpileOnly)
//   full      node -r register-like-pulumi.js -r program-mocks.ts index.ts   (what test/deploy/support/run-program.ts runs:
//             ts-node registered with exactly the options Pulumi's language host passes)
//   tsx       node -r tsx/cjs -r program-mocks.ts index.ts                  (breakdown: esbuild instead of TypeScript)
// Samples of the kinds are interleaved so load from other work on the machine hits all of them alike.
// The repo's node_modules stay on disk: the image hashes should prune them without reading them;
// the directories read under node_modules are listed.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { hashBuildContext } from "../lib/image-context/context-hash";
import type { MocksReport } from "../test/deploy/support/program-mocks";

const REPO_ROOT = join(__dirname, "..");
const PRELOAD = join(REPO_ROOT, "test/deploy/support/program-mocks.ts");
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 7);
const FULL_ITERATIONS = Number(process.env.BENCH_FULL_ITERATIONS ?? 2);
const SDKS = [
  "@pulumi/pulumi",
  "@pulumi/kubernetes",
  "@pulumi/docker-build",
  "@pulumi/command",
  "@pulumi/random",
  "zod",
];
const DOCKERFILES = ["app/backend/Dockerfile", "app/frontend/Dockerfile"];

const tmp = mkdtempSync(join(tmpdir(), "program-eval-bench-"));
const reportPath = join(tmp, "report.json");
const cpuPath = join(tmp, "cpu-ms");
const cpuPreload = join(tmp, "cpu-at-exit.js");
writeFileSync(
  cpuPreload,
  `process.on("exit", () => { const u = process.cpuUsage(); require("fs").writeFileSync(${JSON.stringify(cpuPath)}, String((u.user + u.system) / 1000)); });\n`,
);
const env = {
  ...process.env,
  TS_NODE_PROJECT: join(REPO_ROOT, "tsconfig.json"),
  PULUMI_CONFIG: JSON.stringify({}),
  PULUMI_CONFIG_SECRET_KEYS: "[]",
  TODO_MOCKS_REPORT: reportPath,
  TODO_MOCKS_PROJECT: "todo-platform",
  TODO_MOCKS_STACK: "bench",
};

type Kind = "bare" | "sdks" | "ts-node" | "program" | "tsx" | "full";
const COMMANDS: Record<Kind, string[]> = {
  bare: ["-e", "require('@pulumi/pulumi')"],
  sdks: ["-e", SDKS.map((name) => `require(${JSON.stringify(name)})`).join(";")],
  "ts-node": ["-r", "ts-node/register/transpile-only", "-e", "0"],
  program: ["-r", "ts-node/register/transpile-only", "-r", PRELOAD, join(REPO_ROOT, "index.ts")],
  tsx: ["-r", "tsx/cjs", "-r", PRELOAD, join(REPO_ROOT, "index.ts")],
  full: [
    "-r",
    join(REPO_ROOT, "test/deploy/support/register-like-pulumi.js"),
    "-r",
    PRELOAD,
    join(REPO_ROOT, "index.ts"),
  ],
};

const MEASURED = ["bare", "sdks", "ts-node", "program", "tsx"] as const;

interface Sample {
  wallMs: number;
  cpuMs: number;
}

function sample(kind: Kind): Sample {
  rmSync(reportPath, { force: true });
  rmSync(cpuPath, { force: true });
  const started = performance.now();
  const child = spawnSync(process.execPath, ["-r", cpuPreload, ...COMMANDS[kind]], {
    cwd: REPO_ROOT,
    env,
    encoding: "utf8",
    timeout: 300_000,
  });
  const wallMs = performance.now() - started;
  if (child.status !== 0) throw new Error(`${kind} exited ${child.status}:\n${child.stderr}`);
  if (kind === "program" || kind === "tsx" || kind === "full") {
    const report = JSON.parse(readFileSync(reportPath, "utf8")) as MocksReport;
    const images = report.resources.filter((r) => r.type === "todo-platform:image:AppImage").length;
    if (!report.completed || images !== 2) {
      throw new Error(
        `${kind}: the program did not complete under mocks (completed ${report.completed}, ${images} AppImages)`,
      );
    }
  }
  return { wallMs, cpuMs: Number(readFileSync(cpuPath, "utf8")) };
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
    // Reported, not fatal: the figures below still count, and the walk is the finding.
    if (inNodeModules.length > 0) console.log(`  NOT pruned (walked, nothing hashed): ${inNodeModules.join(", ")}`);
  }
}

function main(): void {
  console.log(`node ${process.version}, ${ITERATIONS} iterations (as Pulumi registers ts-node: ${FULL_ITERATIONS})`);
  pruningCheck();
  // One unmeasured round warms the page cache, tsx's transform cache and ts-node's compiler load.
  for (const kind of MEASURED) sample(kind);
  const samples: Record<Kind, Sample[]> = { bare: [], sdks: [], "ts-node": [], program: [], tsx: [], full: [] };
  for (let i = 0; i < ITERATIONS; i += 1) {
    for (const kind of MEASURED) samples[kind].push(sample(kind));
    if (i < FULL_ITERATIONS) samples.full.push(sample("full"));
  }
  const bareWall = median(samples.bare.map((s) => s.wallMs));
  const bareCpu = median(samples.bare.map((s) => s.cpuMs));
  console.log(
    `${"".padEnd(54)}${"wall median".padStart(12)}${"÷ bare".padStart(8)}${"CPU median".padStart(12)}${"÷ bare".padStart(8)}  wall min–max`,
  );
  const line = (label: string, kind: Kind) => {
    const values = samples[kind];
    if (values.length === 0) return;
    const wall = values.map((s) => s.wallMs);
    const wallMedian = median(wall);
    const cpuMedian = median(values.map((s) => s.cpuMs));
    console.log(
      `${label.padEnd(54)}${ms(wallMedian).padStart(12)}${`${(wallMedian / bareWall).toFixed(2)}×`.padStart(8)}` +
        `${ms(cpuMedian).padStart(12)}${`${(cpuMedian / bareCpu).toFixed(2)}×`.padStart(8)}` +
        `  ${Math.min(...wall).toFixed(0)}–${Math.max(...wall).toFixed(0)} ms (n=${values.length})`,
    );
  };
  line("bare require('@pulumi/pulumi')", "bare");
  line(`require every SDK index.ts loads (${SDKS.length})`, "sdks");
  line("ts-node/register/transpile-only, empty program", "ts-node");
  line("program under mocks, ts-node transpile-only (Pulumi)", "program");
  line("program under mocks, tsx/esbuild (breakdown)", "tsx");
  line("program under mocks, ts-node as Pulumi registers it", "full");
  const wallRatio = median(samples.program.map((s) => s.wallMs)) / bareWall;
  const cpuRatio = median(samples.program.map((s) => s.cpuMs)) / bareCpu;
  const verdict = (ratio: number) => (ratio <= 1.5 ? "met" : "NOT met");
  console.log(
    `program (ts-node transpile-only) ÷ bare require: wall ${wallRatio.toFixed(2)}× (target ≤ 1.5×: ${verdict(wallRatio)}), ` +
      `CPU ${cpuRatio.toFixed(2)}× (${verdict(cpuRatio)})`,
  );
}

try {
  main();
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
