// Where the local chart lives and a hash of its content. Helm only sees a local chart's path, so
// without the hash in the values an edited template would leave the release inputs unchanged and
// `pulumi up` would not roll it out.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";

/** Absolute path of the chart both services are released from. */
export const CHART_DIR = join(__dirname, "..", "charts", "todo-service");

/** The chart path as the Release resource gets it: relative to the project root, stable across machines. */
export const CHART_PATH = "./charts/todo-service";

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)]))
    .sort();
}

/** sha256 over every file's relative path and bytes, in sorted order (independent of mtime and OS). */
export function directoryDigest(dir: string): string {
  const hash = createHash("sha256");
  for (const file of filesUnder(dir)) {
    hash.update(relative(dir, file).split(sep).join("/"));
    hash.update("\0");
    hash.update(readFileSync(file));
    hash.update("\0");
  }
  return hash.digest("hex");
}

/** The chart's directoryDigest, which each release carries in values.chartChecksum. */
export function chartChecksum(dir: string = CHART_DIR): string {
  return directoryDigest(dir);
}
