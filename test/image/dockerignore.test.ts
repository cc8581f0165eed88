// Docker's .dockerignore semantics, case by case, with the expected results taken from the
// documented Docker behaviour (docs.docker.com "dockerignore-file") and moby/patternmatcher.
import { describe, expect, it } from "vitest";

import { cleanPath, IgnoreMatcher, parseIgnoreFile } from "../../lib/image-context/dockerignore";

describe("parseIgnoreFile", () => {
  it("drops comments and blank lines, trims, cleans paths and strips a leading slash", () => {
    const text = "\uFEFF# comment\n\n  node_modules/  \r\n/dist\n! ./keep/../keep.txt\n a/./b//c \n  # not a comment\n";
    expect(parseIgnoreFile(text)).toEqual(["node_modules", "dist", "!keep.txt", "a/b/c", "# not a comment"]);
  });

  it("keeps a root pattern `/` as is", () => {
    expect(parseIgnoreFile("/\n")).toEqual(["/"]);
  });
});

describe("cleanPath (Go filepath.Clean)", () => {
  it.each([
    ["", "."],
    ["a/b/", "a/b"],
    ["./a//b/./c", "a/b/c"],
    ["a/../../b", "../b"],
    ["/../a", "/a"],
    ["/", "/"],
  ])("%j → %j", (input, expected) => {
    expect(cleanPath(input)).toBe(expected);
  });
});

describe("IgnoreMatcher", () => {
  const excluded = (patterns: string[], path: string) => new IgnoreMatcher(patterns).matchesOrParentMatches(path);

  it.each([
    // [patterns, path, excluded]
    [["*.md"], "README.md", true],
    [["*.md"], "docs/README.md", false], // `*` never crosses a slash
    [["*/*.md"], "docs/README.md", true],
    [["**/*.md"], "a/b/c/README.md", true],
    [["**/*.md"], "README.md", true], // `**/` matches zero directories
    [["node_modules"], "node_modules/x/index.js", true], // a parent match excludes the subtree
    [["node_modules"], "app/node_modules/x.js", false], // patterns are anchored at the context root
    [["**/node_modules"], "app/backend/node_modules/x.js", true],
    [["temp?"], "temp1", true],
    [["temp?"], "temp12", false],
    [["[a-c].txt"], "b.txt", true],
    [["[a-c].txt"], "d.txt", false],
    [["[^a].txt"], "a.txt", false],
    [["a.b"], "aXb", false], // `.` is literal
    [["a+(b)"], "a+(b)", true],
    [["dist/**"], "dist/x/y.js", true],
    [["dist/**"], "distant", false],
    [["*.log", "!keep.log"], "keep.log", false],
    [["*.log", "!keep.log"], "other.log", true],
    [["!keep.log", "*.log"], "keep.log", true], // the last matching pattern wins
    [["docs", "!docs/public", "docs/public/secret"], "docs/public/secret/x", true],
    [["docs", "!docs/public"], "docs/public/page.html", false],
    [["docs", "!docs/public"], "docs/private/page.html", true],
    [["\\*literal"], "*literal", true],
    [["\\*literal"], "xliteral", false],
  ])("%j on %j → excluded %j", (patterns, path, expected) => {
    expect(excluded(patterns, path)).toBe(expected);
  });

  it("rejects a bare `!` and an unclosed character class, naming the pattern", () => {
    expect(() => new IgnoreMatcher(["!"])).toThrow('invalid .dockerignore pattern "!"');
    expect(() => new IgnoreMatcher(["[a-"])).toThrow(/invalid \.dockerignore pattern "\[a-"/);
  });

  it("carries parent results down the walk like BuildKit's fsutil", () => {
    const matcher = new IgnoreMatcher(["docs", "!docs/keep"]);
    const docs = matcher.matchesUsingParentResults("docs");
    expect(docs.excluded).toBe(true);
    expect(matcher.matchesUsingParentResults("docs/keep", docs.info).excluded).toBe(false);
    expect(matcher.matchesUsingParentResults("docs/other", docs.info).excluded).toBe(true);
  });

  describe("canPruneExcludedDir (skip without reading)", () => {
    it("prunes when there are no exceptions", () => {
      expect(new IgnoreMatcher(["**/node_modules"]).canPruneExcludedDir("app/node_modules")).toBe(true);
    });
    it("prunes when no plain exception lies under the directory", () => {
      expect(new IgnoreMatcher(["node_modules", "!src/keep"]).canPruneExcludedDir("node_modules")).toBe(true);
    });
    it("prunes node_modules and other services under an allow-list of globbed exceptions", () => {
      const matcher = new IgnoreMatcher([
        "*",
        "!package.json",
        "!app/api/src/**",
        "!app/backend/src/**",
        "**/node_modules",
      ]);
      expect(matcher.canPruneExcludedDir("node_modules")).toBe(true);
      expect(matcher.canPruneExcludedDir("app/frontend")).toBe(true);
      expect(matcher.canPruneExcludedDir("app/backend/node_modules")).toBe(true);
      expect(matcher.canPruneExcludedDir("app")).toBe(false);
      expect(matcher.canPruneExcludedDir("app/backend")).toBe(false);
    });
    it("walks a directory a plain exception points into", () => {
      const matcher = new IgnoreMatcher(["node_modules", "!node_modules/keep/**"]);
      expect(matcher.canPruneExcludedDir("node_modules")).toBe(false);
      expect(matcher.canPruneExcludedDir("node_modules/other")).toBe(true);
    });
    it("prunes a directory excluded again after an exception naming its ancestor (the frontend allow-list)", () => {
      // The per-pattern results BuildKit's walker carries down to the directory, as context-hash.ts passes them.
      const walkInfo = (matcher: IgnoreMatcher, path: string) => {
        const segments = path.split("/");
        let info: readonly boolean[] | undefined;
        for (let depth = 1; depth <= segments.length; depth++) {
          info = matcher.matchesUsingParentResults(segments.slice(0, depth).join("/"), info).info;
        }
        return info;
      };
      const prunes = (matcher: IgnoreMatcher, path: string) =>
        matcher.canPruneExcludedDir(path, walkInfo(matcher, path));
      const matcher = new IgnoreMatcher([
        "*",
        "!package.json",
        "!app/frontend",
        "app/frontend/node_modules",
        "app/frontend/dist",
      ]);
      expect(prunes(matcher, "app/frontend/node_modules")).toBe(true);
      expect(prunes(matcher, "app/frontend/dist")).toBe(true);
      expect(matcher.canPruneExcludedDir("app/frontend/node_modules")).toBe(false); // without the walk's results
      // An exception after the re-exclusion can let something inside through again: walk.
      const reopened = new IgnoreMatcher([
        "*",
        "!app/frontend",
        "app/frontend/node_modules",
        "!app/frontend/node_modules/x",
      ]);
      expect(prunes(reopened, "app/frontend/node_modules")).toBe(false);
      // A plain pattern skipped for the directory (already excluded there) does not cover it:
      // `node_modules/keep.log` is sent, because `!**/*.log` re-includes it and `*` never matches it.
      const skipped = new IgnoreMatcher(["node_modules", "!**/*.log", "*"]);
      expect(
        skipped.matchesUsingParentResults("node_modules/keep.log", walkInfo(skipped, "node_modules")).excluded,
      ).toBe(false);
      expect(prunes(skipped, "node_modules")).toBe(false);
    });
    it("walks when an exception may match at any depth (`**`) or names an ancestor", () => {
      expect(new IgnoreMatcher(["node_modules", "!**/*.keep"]).canPruneExcludedDir("node_modules")).toBe(false);
      expect(
        new IgnoreMatcher(["**/node_modules", "!app", "!app/node_modules/x"]).canPruneExcludedDir("app/node_modules"),
      ).toBe(false);
      expect(new IgnoreMatcher(["*", "!a?p/x"]).canPruneExcludedDir("app")).toBe(false);
      expect(new IgnoreMatcher(["*", "!a?p/x"]).canPruneExcludedDir("apple")).toBe(true);
    });
  });
});
