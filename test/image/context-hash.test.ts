// The content tag over real temp directories: fast-check properties for determinism, sensitivity
// to included files and insensitivity to ignored ones, plus symlinks, empty dirs, `!` re-includes,
// the ignore-file choice and directory pruning.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";

import {
  contentTag,
  hashBuildContext,
  listContextEntries,
  resolveIgnoreFile,
} from "../../lib/image-context/context-hash";
import { IgnoreMatcher } from "../../lib/image-context/dockerignore";

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "image-hash-"));
  roots.push(dir);
  return dir;
}

interface FileSpec {
  path: string;
  content: string;
  executable: boolean;
}

/** Writes files in the given order with explicit modes, so umask never leaks into the hash. */
function writeTree(root: string, files: readonly FileSpec[]): void {
  for (const file of files) {
    const absolute = join(root, file.path);
    mkdirSync(dirname(absolute), { recursive: true });
    writeFileSync(absolute, file.content);
    chmodSync(absolute, file.executable ? 0o755 : 0o644);
  }
  // Directories get fixed modes too (mkdir honours the umask).
  for (const file of files) {
    for (let dir = dirname(file.path); dir !== "."; dir = dirname(dir)) chmodSync(join(root, dir), 0o755);
  }
}

const IGNORE = "ignored\n**/node_modules\n*.log\n!keep.log\n";
const DOCKERFILE = "FROM scratch\nCOPY . /app\n";

/** An oracle written independently of the matcher: what IGNORE excludes in the generated trees. */
function excludedByIgnore(path: string): boolean {
  const parts = path.split("/");
  if (parts[0] === "ignored") return true;
  if (parts.includes("node_modules")) return true;
  return parts.length === 1 && path.endsWith(".log") && path !== "keep.log";
}

const segment = fc.constantFrom("src", "lib", "ignored", "node_modules", "nested");
const leaf = fc.constantFrom("a.ts", "b.json", "keep.log", "debug.log", "run.sh");
const filePath = fc.tuple(fc.array(segment, { maxLength: 2 }), leaf).map(([dirs, name]) => [...dirs, name].join("/"));
const tree = fc.uniqueArray(
  fc.record({ path: filePath, content: fc.string({ maxLength: 40 }), executable: fc.boolean() }),
  { minLength: 1, maxLength: 12, selector: (file) => file.path },
);

function contextWith(files: readonly FileSpec[]): string {
  const root = tempDir();
  writeFileSync(join(root, "Dockerfile"), DOCKERFILE);
  writeFileSync(join(root, ".dockerignore"), IGNORE);
  writeTree(root, files);
  return root;
}

const digestOf = (context: string, buildArgs?: Record<string, string>) =>
  hashBuildContext({ context, dockerfile: "Dockerfile", buildArgs }).digest;

describe("content tag properties (fast-check)", () => {
  it("is deterministic and independent of file creation order", () => {
    fc.assert(
      fc.property(tree, fc.integer(), (files, seed) => {
        const shuffled = [...files].sort(
          (a, b) => ((a.path.length * 31 + seed) % 7) - ((b.path.length * 31 + seed) % 7),
        );
        const first = contextWith(files);
        const second = contextWith(shuffled.reverse());
        expect(digestOf(first)).toBe(digestOf(first));
        expect(digestOf(second)).toBe(digestOf(first));
      }),
      { numRuns: 25 },
    );
  });

  it("changes when any included file's content or mode changes, never for an ignored file", () => {
    fc.assert(
      fc.property(tree, fc.nat(), fc.string({ minLength: 1, maxLength: 10 }), (files, pick, suffix) => {
        const context = contextWith(files);
        const before = digestOf(context);
        const target = files[pick % files.length] as FileSpec;
        const absolute = join(context, target.path);
        writeFileSync(absolute, `${target.content}${suffix}`);
        const afterContent = digestOf(context);
        if (excludedByIgnore(target.path)) {
          expect(afterContent).toBe(before);
        } else {
          expect(afterContent).not.toBe(before);
          writeFileSync(absolute, target.content);
          expect(digestOf(context)).toBe(before); // restoring the content restores the tag
          chmodSync(absolute, target.executable ? 0o644 : 0o755);
          expect(digestOf(context)).not.toBe(before);
        }
      }),
      { numRuns: 40 },
    );
  });

  it("changes when an included file is added or removed, not an ignored one", () => {
    fc.assert(
      fc.property(tree, filePath, (files, extra) => {
        fc.pre(
          !files.some(
            (file) => file.path === extra || extra.startsWith(`${file.path}/`) || file.path.startsWith(`${extra}/`),
          ),
        );
        const context = contextWith(files);
        // Parent directories first: a new included directory is sent (and hashed) even when empty.
        mkdirSync(join(context, dirname(extra)), { recursive: true });
        for (let dir = dirname(extra); dir !== "."; dir = dirname(dir)) chmodSync(join(context, dir), 0o755);
        const before = digestOf(context);
        writeTree(context, [{ path: extra, content: "new", executable: false }]);
        const after = digestOf(context);
        if (excludedByIgnore(extra)) expect(after).toBe(before);
        else expect(after).not.toBe(before);
        unlinkSync(join(context, extra));
      }),
      { numRuns: 30 },
    );
  });

  it("counts build args, the Dockerfile and the ignore file", () => {
    const context = contextWith([{ path: "src/a.ts", content: "x", executable: false }]);
    const base = digestOf(context);
    expect(digestOf(context, { NODE_ENV: "production" })).not.toBe(base);
    expect(digestOf(context, { A: "1", B: "2" })).toBe(digestOf(context, { B: "2", A: "1" }));
    writeFileSync(join(context, "Dockerfile"), `${DOCKERFILE}# changed\n`);
    const dockerfileChanged = digestOf(context);
    expect(dockerfileChanged).not.toBe(base);
    writeFileSync(join(context, ".dockerignore"), `${IGNORE}# changed\n`);
    expect(digestOf(context)).not.toBe(dockerfileChanged);
  });
});

/** The same matcher with pruning switched off: every excluded directory is read. */
class NeverPruningMatcher extends IgnoreMatcher {
  override canPruneExcludedDir(): boolean {
    return false;
  }
}

describe("directory pruning (fast-check)", () => {
  const patternSegment = fc.constantFrom("src", "lib", "node_modules", "*", "**", "s*", "?ib", "a.ts", "*.log");
  const pattern = fc
    .tuple(fc.boolean(), fc.array(patternSegment, { minLength: 1, maxLength: 3 }))
    .map(([exception, segments]) => `${exception ? "!" : ""}${segments.join("/")}`);

  it("never changes which entries are sent, whatever the patterns", () => {
    fc.assert(
      fc.property(tree, fc.array(pattern, { minLength: 1, maxLength: 5 }), (files, patterns) => {
        const context = contextWith(files);
        const pruned = listContextEntries(context, new IgnoreMatcher(patterns));
        const full = listContextEntries(context, new NeverPruningMatcher(patterns));
        expect(pruned.entries).toEqual(full.entries);
      }),
      { numRuns: Number(process.env.PRUNE_RUNS ?? 150) },
    );
  });
});

describe("content tag edge cases", () => {
  it("hashes a symlink by its target without following it", () => {
    const outside = tempDir();
    writeFileSync(join(outside, "data.txt"), "one");
    const context = contextWith([{ path: "src/a.ts", content: "x", executable: false }]);
    symlinkSync(join(outside, "data.txt"), join(context, "src/link"));
    const before = digestOf(context);
    writeFileSync(join(outside, "data.txt"), "two — outside the context");
    expect(digestOf(context)).toBe(before);
    unlinkSync(join(context, "src/link"));
    symlinkSync("a.ts", join(context, "src/link"));
    expect(digestOf(context)).not.toBe(before);
    const entry = hashBuildContext({ context, dockerfile: "Dockerfile" }).entries.find((e) => e.path === "src/link");
    expect(entry?.kind).toBe("symlink");
  });

  it("counts an empty included directory, not an empty ignored one", () => {
    const context = contextWith([{ path: "src/a.ts", content: "x", executable: false }]);
    const before = digestOf(context);
    mkdirSync(join(context, "ignored/empty"), { recursive: true });
    expect(digestOf(context)).toBe(before);
    mkdirSync(join(context, "src/empty"));
    chmodSync(join(context, "src/empty"), 0o755);
    const withEmpty = hashBuildContext({ context, dockerfile: "Dockerfile" });
    expect(withEmpty.digest).not.toBe(before);
    expect(withEmpty.entries.map((entry) => entry.path)).toContain("src/empty");
  });

  it("re-includes with `!` and sends the excluded parent of a re-included file", () => {
    const context = tempDir();
    writeFileSync(join(context, "Dockerfile"), DOCKERFILE);
    writeFileSync(join(context, ".dockerignore"), "docs\n!docs/public\n");
    writeTree(context, [
      { path: "docs/public/index.html", content: "hi", executable: false },
      { path: "docs/private/notes.md", content: "secret", executable: false },
    ]);
    const result = hashBuildContext({ context, dockerfile: "Dockerfile" });
    const paths = result.entries.map((entry) => entry.path);
    expect(paths).toEqual([".dockerignore", "Dockerfile", "docs", "docs/public", "docs/public/index.html"]);
    const before = result.digest;
    writeFileSync(join(context, "docs/private/notes.md"), "changed");
    expect(digestOf(context)).toBe(before);
    writeFileSync(join(context, "docs/public/index.html"), "changed");
    expect(digestOf(context)).not.toBe(before);
  });

  it("skips ignored directories without reading them, unless an exception may point inside", () => {
    const context = contextWith([
      { path: "node_modules/pkg/index.js", content: "x", executable: false },
      { path: "app/node_modules/pkg/index.js", content: "x", executable: false },
      { path: "app/src/main.ts", content: "x", executable: false },
    ]);
    const read: string[] = [];
    const result = hashBuildContext({ context, dockerfile: "Dockerfile" }, (dir) => read.push(dir));
    expect(result.prunedDirs.sort()).toEqual(["app/node_modules", "node_modules"]);
    expect(read.some((dir) => dir.includes("node_modules"))).toBe(false);

    writeFileSync(join(context, ".dockerignore"), "**/node_modules\n!**/keep.me\n");
    const walked: string[] = [];
    hashBuildContext({ context, dockerfile: "Dockerfile" }, (dir) => walked.push(dir));
    expect(walked).toContain("node_modules/pkg"); // a glob exception forces BuildKit to look inside
  });

  it("prefers <Dockerfile>.dockerignore over the context's .dockerignore", () => {
    const context = contextWith([
      { path: "app/api/Dockerfile", content: DOCKERFILE, executable: false },
      { path: "app/web/main.ts", content: "web", executable: false },
      { path: "app/api/main.ts", content: "api", executable: false },
    ]);
    expect(resolveIgnoreFile(context, "app/api/Dockerfile")).toBe(".dockerignore");
    writeFileSync(join(context, "app/api/Dockerfile.dockerignore"), "app/web\n");
    expect(resolveIgnoreFile(context, "app/api/Dockerfile")).toBe("app/api/Dockerfile.dockerignore");
    const before = hashBuildContext({ context, dockerfile: "app/api/Dockerfile" }).digest;
    writeFileSync(join(context, "app/web/main.ts"), "web changed");
    expect(hashBuildContext({ context, dockerfile: "app/api/Dockerfile" }).digest).toBe(before);
    writeFileSync(join(context, "app/api/main.ts"), "api changed");
    expect(hashBuildContext({ context, dockerfile: "app/api/Dockerfile" }).digest).not.toBe(before);
  });

  it("names the missing Dockerfile", () => {
    const context = tempDir();
    expect(() => hashBuildContext({ context, dockerfile: "app/x/Dockerfile" })).toThrow(
      `Dockerfile not found: ${join(context, "app/x/Dockerfile")}`,
    );
  });

  it("builds `<name>:<12 hex>` tags and refuses anything but a sha256 digest", () => {
    const digest = "ab".repeat(32);
    expect(contentTag("todo-backend", digest)).toBe("todo-backend:abababababab");
    expect(() => contentTag("todo-backend", "latest")).toThrow("expected a sha256 hex digest");
  });
});
