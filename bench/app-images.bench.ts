// App image benchmarks (figures only, nothing asserted):
// 1. Runtime image size minus the base image's size, for the backend and the frontend, built from
//    the repo root with the real Dockerfiles (the normal BuildKit cache is used; size does not
//    depend on it).
// 2. Backend warm rebuild after changing one source file ÷ cold build. Both run on a temporary copy
//    of the backend's build context, so the working tree is never modified. "Cold" is
//    `docker build --no-cache`: every step runs again (`npm ci` downloads from the registry, esbuild
//    bundles) while the shared BuildKit cache other builds rely on is left alone — pruning it would
//    slow everyone else's builds and is not needed to make this build cold. The base image is local
//    in both cases, so neither includes a pull. "Warm" is the next ordinary build after appending a
//    comment to one backend source file: the `npm ci` layers come from cache and the build stage
//    from `COPY app/backend/src` onwards runs again. Warm is repeated and the median reported.
import { spawnSync } from "node:child_process";
import { appendFileSync, cpSync, mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";

import { dockerBuild, imageSizeBytes } from "../test/support/docker";

const REPO_ROOT = join(__dirname, "..");
const BASE_IMAGE = "node:24-bookworm-slim";
const WARM_RUNS = Number(process.env.BENCH_WARM_RUNS ?? 3);
const MB = 1024 * 1024;
/** What the backend Dockerfile reads (its Dockerfile.dockerignore filters further). */
const BACKEND_CONTEXT_PATHS = ["package.json", "package-lock.json", "app/api", "app/backend"];
const EDITED_FILE = "app/backend/src/routes/health.ts";

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const load = () => loadavg()[0]?.toFixed(1);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/**
 * One `docker build` with plain progress, timed; counts the Dockerfile steps BuildKit took from
 * its cache, so the output shows that "cold" really rebuilt everything and "warm" did not.
 */
function build(context: string, dockerfile: string, tag: string, extra: string[] = []) {
  const started = performance.now();
  const result = spawnSync(
    "docker",
    ["build", "--progress=plain", ...extra, "--file", dockerfile, "--tag", tag, context],
    { env: { ...process.env, DOCKER_BUILDKIT: "1" }, encoding: "utf8", maxBuffer: 64 * MB, timeout: 900_000 },
  );
  const durationMs = performance.now() - started;
  const log = `${result.stdout}${result.stderr}`;
  if (result.status !== 0) throw new Error(`docker build ${tag} failed:\n${log}`);
  // Steps are "#N [stage k/n] INSTRUCTION"; a cached one is followed by "#N CACHED".
  const steps = new Set([...log.matchAll(/^#(\d+) \[[^\]]*\d+\/\d+\]/gm)].map((m) => m[1]));
  const cached = new Set([...log.matchAll(/^#(\d+) CACHED$/gm)].map((m) => m[1]).filter((id) => steps.has(id)));
  return { durationMs, steps: steps.size, cached: cached.size };
}

async function imageSizes(): Promise<void> {
  const baseSize = await imageSizeBytes(BASE_IMAGE);
  console.log(`base ${BASE_IMAGE}: ${(baseSize / MB).toFixed(1)} MB`);
  const images = [
    { name: "backend", dockerfile: "app/backend/Dockerfile", tag: "todo-backend:bench", targetMb: 40 },
    { name: "frontend", dockerfile: "app/frontend/Dockerfile", tag: "todo-frontend:bench", targetMb: 15 },
  ];
  for (const image of images) {
    await dockerBuild({ context: REPO_ROOT, dockerfile: image.dockerfile, tag: image.tag });
    const size = await imageSizeBytes(image.tag);
    const added = (size - baseSize) / MB;
    console.log(
      `${image.name} image: ${(size / MB).toFixed(1)} MB, added over base ${added.toFixed(1)} MB ` +
        `(target ≤ ${image.targetMb} MB: ${added <= image.targetMb ? "met" : "MISSED"})`,
    );
  }
}

async function backendRebuild(): Promise<void> {
  const context = mkdtempSync(join(tmpdir(), "todo-backend-rebuild-"));
  try {
    for (const path of BACKEND_CONTEXT_PATHS) {
      cpSync(join(REPO_ROOT, path), join(context, path), {
        recursive: true,
        filter: (source) => !/[/\\](node_modules|dist)([/\\]|$)/.test(source),
      });
    }
    const tag = "todo-backend:bench-rebuild";
    const dockerfile = "app/backend/Dockerfile";

    console.log(`cold build (--no-cache), load average ${load()} ...`);
    const cold = build(context, dockerfile, tag, ["--no-cache"]);
    console.log(
      `cold build:                     ${seconds(cold.durationMs)} (${cold.cached}/${cold.steps} steps from cache)`,
    );

    const unchanged = build(context, dockerfile, tag);
    console.log(
      `rebuild, nothing changed:       ${seconds(unchanged.durationMs)} (${unchanged.cached}/${unchanged.steps} steps from cache)`,
    );

    const warm: number[] = [];
    for (let run = 1; run <= WARM_RUNS; run += 1) {
      appendFileSync(join(context, EDITED_FILE), `\n// bench edit ${run} ${Date.now()}\n`);
      const rebuilt = build(context, dockerfile, tag);
      warm.push(rebuilt.durationMs);
      console.log(
        `warm rebuild ${run} (1 file edited): ${seconds(rebuilt.durationMs)} ` +
          `(${rebuilt.cached}/${rebuilt.steps} steps from cache), load average ${load()}`,
      );
    }
    const coldMs = cold.durationMs;
    const ratio = median(warm) / coldMs;
    console.log(
      `warm (median of ${WARM_RUNS}) ÷ cold:       ${ratio.toFixed(3)} (target ≤ 0.25: ${ratio <= 0.25 ? "met" : "MISSED"})`,
    );
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  console.log(`load average at start: ${load()} (2-core shared machines make timings noisy)`);
  await imageSizes();
  await backendRebuild();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
