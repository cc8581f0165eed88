// Content-hash figures over the real build contexts (figures only, nothing asserted):
//   - per image: entries and bytes the hash reads, median time of hashBuildContext, MB/s;
//   - the tag computation the program does for both images (hash + contentTag), median;
//   - sha256 alone over the same bytes already in memory, as the ceiling the walk is compared to.
// Both contexts are the repo root with the repo's node_modules on disk; the per-Dockerfile ignore
// files prune them unread (the count of directories read under node_modules is printed).
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { contentTag, hashBuildContext } from "../lib/image-context/context-hash";

const REPO_ROOT = join(__dirname, "..");
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 200);
const IMAGES = [
  { imageName: "todo-backend", dockerfile: "app/backend/Dockerfile" },
  { imageName: "todo-frontend", dockerfile: "app/frontend/Dockerfile" },
];
const MB = 1024 * 1024;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function timeMedian(fn: () => void, iterations = ITERATIONS): number {
  for (let i = 0; i < Math.min(10, iterations); i += 1) fn(); // warm-up: page cache, JIT
  const samples: number[] = [];
  for (let i = 0; i < iterations; i += 1) {
    const started = performance.now();
    fn();
    samples.push(performance.now() - started);
  }
  return median(samples);
}

console.log(`node ${process.version}, ${ITERATIONS} iterations per figure, context ${REPO_ROOT}`);
for (const image of IMAGES) {
  const dirsRead: string[] = [];
  const hash = hashBuildContext({ context: REPO_ROOT, dockerfile: image.dockerfile }, (dir) => dirsRead.push(dir));
  const files = hash.entries.filter((entry) => entry.kind === "file");
  const contents = files.map((entry) => readFileSync(join(REPO_ROOT, entry.path)));
  const nodeModulesRead = dirsRead.filter((dir) => dir.split("/").includes("node_modules")).length;

  const walkMs = timeMedian(() => hashBuildContext({ context: REPO_ROOT, dockerfile: image.dockerfile }));
  const sha256Ms = timeMedian(() => {
    const sha = createHash("sha256");
    for (const content of contents) sha.update(content);
    sha.digest("hex");
  });
  const mb = hash.bytes / MB;
  console.log(
    `${image.imageName}: ${hash.entries.length} entries (${files.length} files), ${hash.bytes} bytes, ` +
      `ignore file ${hash.ignoreFile}, ${dirsRead.length} dirs read (${nodeModulesRead} under node_modules), ` +
      `pruned: ${hash.prunedDirs.length} dirs`,
  );
  console.log(
    `  hashBuildContext median ${walkMs.toFixed(2)} ms → ${(mb / (walkMs / 1000)).toFixed(1)} MB/s; ` +
      `sha256 alone over the same bytes ${sha256Ms.toFixed(3)} ms → ${(mb / (sha256Ms / 1000)).toFixed(0)} MB/s`,
  );
}

const bothTagsMs = timeMedian(() => {
  for (const image of IMAGES) {
    contentTag(image.imageName, hashBuildContext({ context: REPO_ROOT, dockerfile: image.dockerfile }).digest);
  }
});
const tags = IMAGES.map((image) =>
  contentTag(image.imageName, hashBuildContext({ context: REPO_ROOT, dockerfile: image.dockerfile }).digest),
);
console.log(`tag computation for both images (as AppImage does at evaluation): median ${bothTagsMs.toFixed(2)} ms`);
console.log(`tags: ${tags.join(" ")}`);
