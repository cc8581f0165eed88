// The content hash behind an image tag: sha256 over exactly the build-context entries BuildKit
// sends (same ignore file, same pattern semantics, same directory pruning as tonistiigi/fsutil),
// plus the Dockerfile, the ignore file and the build args. Synchronous on purpose: the tag is
// computed while the Pulumi program is evaluated, so an unchanged tree yields the same tag in
// preview and up, and no image resource diffs.
import { createHash, type Hash } from "node:crypto";
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { isAbsolute, join, relative, sep } from "node:path";

import { IgnoreMatcher, type ParentMatchInfo, parseIgnoreFile } from "./dockerignore";

/** Hex digits of the content hash kept in the tag (Docker's short-ID length). */
export const TAG_HASH_LENGTH = 12;

export interface ContextHashInput {
  /** Absolute path of the build context. */
  context: string;
  /** Dockerfile path relative to the context (as passed to `docker build -f`). */
  dockerfile: string;
  buildArgs?: Record<string, string>;
}

export interface ContextEntry {
  /** Slash-separated path relative to the context. */
  path: string;
  kind: "file" | "dir" | "symlink" | "other";
  /** Permission bits (incl. setuid/setgid/sticky). */
  mode: number;
  size: number;
}

export interface ContextHash {
  /** Full sha256 hex digest. */
  digest: string;
  /** The ignore file BuildKit applies, relative to the context, or undefined when there is none. */
  ignoreFile: string | undefined;
  entries: ContextEntry[];
  /** Bytes of file content hashed. */
  bytes: number;
  /** Excluded directories skipped without being read (e.g. node_modules). */
  prunedDirs: string[];
}

/**
 * The ignore file BuildKit uses for this Dockerfile: `<Dockerfile>.dockerignore` beside the
 * Dockerfile when it exists, else `<context>/.dockerignore`, else none.
 */
export function resolveIgnoreFile(context: string, dockerfile: string): string | undefined {
  const dockerfilePath = isAbsolute(dockerfile) ? dockerfile : join(context, dockerfile);
  const specific = `${dockerfilePath}.dockerignore`;
  if (existsSync(specific)) return toSlash(relative(context, specific));
  if (existsSync(join(context, ".dockerignore"))) return ".dockerignore";
  return undefined;
}

/** Walks the context as BuildKit's sender does; returns the entries it would send, sorted by path. */
export function listContextEntries(
  context: string,
  matcher: IgnoreMatcher,
  onReadDir: (relativeDir: string) => void = () => {},
): { entries: ContextEntry[]; prunedDirs: string[] } {
  const entries: ContextEntry[] = [];
  const prunedDirs: string[] = [];

  // Excluded directories that are walked (an exception may re-include something inside) are
  // only sent when something inside them is, exactly like fsutil's lazy parent emission.
  type PendingDir = { entry: ContextEntry; sent: boolean };
  const walk = (relativeDir: string, parentInfo: ParentMatchInfo | undefined, pending: PendingDir[]) => {
    onReadDir(relativeDir);
    const names = readdirSync(join(context, relativeDir)).sort();
    for (const name of names) {
      const path = relativeDir === "" ? name : `${relativeDir}/${name}`;
      const stat = lstatSync(join(context, path));
      const entry: ContextEntry = {
        path,
        kind: stat.isFile() ? "file" : stat.isDirectory() ? "dir" : stat.isSymbolicLink() ? "symlink" : "other",
        mode: stat.mode & 0o7777,
        size: stat.isFile() ? stat.size : 0,
      };
      const { excluded, info } = matcher.matchesUsingParentResults(path, parentInfo);
      if (excluded) {
        if (entry.kind !== "dir") continue;
        if (matcher.canPruneExcludedDir(path, info)) {
          prunedDirs.push(path);
          continue;
        }
        walk(path, info, [...pending, { entry, sent: false }]);
        continue;
      }
      for (const dir of pending) {
        if (dir.sent) continue;
        dir.sent = true;
        entries.push(dir.entry);
      }
      entries.push(entry);
      if (entry.kind === "dir") walk(path, info, []);
    }
  };
  walk("", undefined, []);
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { entries, prunedDirs };
}

function updateRecord(hash: Hash, ...fields: (string | number)[]): void {
  for (const field of fields) hash.update(`${field}\0`);
}

/** Hashes the build context the way a Docker build would see it. Throws when the Dockerfile is missing. */
export function hashBuildContext(input: ContextHashInput, onReadDir?: (relativeDir: string) => void): ContextHash {
  const dockerfilePath = isAbsolute(input.dockerfile) ? input.dockerfile : join(input.context, input.dockerfile);
  if (!existsSync(dockerfilePath)) {
    throw new Error(
      `Dockerfile not found: ${dockerfilePath} (check the dockerfile path, relative to ${input.context})`,
    );
  }
  const ignoreFile = resolveIgnoreFile(input.context, input.dockerfile);
  const ignoreText = ignoreFile ? readFileSync(join(input.context, ignoreFile), "utf8") : "";
  const matcher = new IgnoreMatcher(parseIgnoreFile(ignoreText));
  const { entries, prunedDirs } = listContextEntries(input.context, matcher, onReadDir);

  const hash = createHash("sha256");
  updateRecord(hash, "todo-platform/context-hash/v1");
  let bytes = 0;
  for (const entry of entries) {
    updateRecord(hash, entry.kind, entry.mode.toString(8), entry.path);
    const absolute = join(input.context, entry.path);
    if (entry.kind === "file") {
      const content = readFileSync(absolute);
      bytes += content.length;
      updateRecord(hash, content.length);
      hash.update(content);
    } else if (entry.kind === "symlink") {
      updateRecord(hash, readlinkSync(absolute));
    }
  }
  // The Dockerfile and the ignore file are always part of the build, even when ignored.
  const dockerfileContent = readFileSync(dockerfilePath);
  updateRecord(hash, "dockerfile", toSlash(input.dockerfile), dockerfileContent.length);
  hash.update(dockerfileContent);
  updateRecord(hash, "ignorefile", ignoreFile ?? "", ignoreText.length, ignoreText);
  for (const key of Object.keys(input.buildArgs ?? {}).sort()) {
    updateRecord(hash, "build-arg", key, input.buildArgs?.[key] ?? "");
  }
  return { digest: hash.digest("hex"), ignoreFile, entries, bytes, prunedDirs };
}

/** `<imageName>:<first TAG_HASH_LENGTH hex digits>`; never `latest`. */
export function contentTag(imageName: string, digest: string): string {
  if (!/^[a-f0-9]{64}$/.test(digest)) throw new Error(`expected a sha256 hex digest, got ${JSON.stringify(digest)}`);
  return `${imageName}:${digest.slice(0, TAG_HASH_LENGTH)}`;
}

function toSlash(path: string): string {
  return sep === "/" ? path : path.split(sep).join("/");
}
