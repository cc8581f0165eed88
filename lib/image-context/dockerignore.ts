// Docker's ignore-file semantics, reimplemented so the content hash sees exactly the files a
// BuildKit build sees. Parsing follows moby/patternmatcher ignorefile.ReadAll; matching follows
// moby/patternmatcher (Go filepath.Match syntax compiled to a regexp, `**`, `!` exceptions, last
// match wins, a match on a parent directory excludes the whole subtree).

/** Go's filepath.Clean for slash-separated paths. */
export function cleanPath(path: string): string {
  if (path === "") return ".";
  const rooted = path.startsWith("/");
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!rooted) out.push("..");
      continue;
    }
    out.push(part);
  }
  const joined = out.join("/");
  if (rooted) return `/${joined}`;
  return joined === "" ? "." : joined;
}

/**
 * Patterns of a .dockerignore file, as Docker reads them: `#` comment lines (only when `#` is the
 * very first character), blank lines dropped, whitespace trimmed, paths cleaned, a leading `/`
 * removed, `!` kept as the exception marker.
 */
export function parseIgnoreFile(text: string): string[] {
  const patterns: string[] = [];
  const lines = text.replace(/^\uFEFF/, "").split("\n");
  for (const rawLine of lines) {
    const line = rawLine.endsWith("\r") ? rawLine.slice(0, -1) : rawLine;
    if (line.startsWith("#")) continue;
    let pattern = line.trim();
    if (pattern === "") continue;
    const invert = pattern.startsWith("!");
    if (invert) pattern = pattern.slice(1).trim();
    if (pattern.length > 0) {
      pattern = cleanPath(pattern);
      if (pattern.length > 1 && pattern.startsWith("/")) pattern = pattern.slice(1);
    }
    patterns.push(invert ? `!${pattern}` : pattern);
  }
  return patterns;
}

type MatchType = "exact" | "prefix" | "suffix" | "regexp";

/** One compiled ignore pattern. */
export interface IgnorePattern {
  /** The cleaned pattern without its `!`. */
  readonly text: string;
  /** True for a `!` re-include. */
  readonly exclusion: boolean;
  matches(path: string): boolean;
}

// Characters that are special in a regexp but literal in a filepath.Match pattern.
const REGEXP_ONLY_SPECIALS = new Set([".", "+", "(", ")", "|", "{", "}", "$"]);

function compilePattern(text: string, exclusion: boolean): IgnorePattern {
  let source = "^";
  let type: MatchType = "exact";
  const chars = Array.from(text);
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string;
    const first = i === 0;
    if (ch === "*") {
      if (chars[i + 1] === "*") {
        i++;
        if (chars[i + 1] === "/") i++; // `**/` behaves like `**`
        if (i + 1 >= chars.length) {
          if (type === "exact") type = "prefix";
          else {
            source += ".*";
            type = "regexp";
          }
        } else {
          source += "(.*/)?";
          type = "regexp";
        }
        if (first) type = "suffix";
      } else {
        source += "[^/]*";
        type = "regexp";
      }
    } else if (ch === "?") {
      source += "[^/]";
      type = "regexp";
    } else if (REGEXP_ONLY_SPECIALS.has(ch)) {
      source += `\\${ch}`;
    } else if (ch === "\\") {
      const next = chars[i + 1];
      if (next !== undefined) {
        source += `\\${next}`;
        i++;
        type = "regexp";
      } else {
        source += "\\\\";
      }
    } else if (ch === "[" || ch === "]") {
      source += ch;
      type = "regexp";
    } else {
      source += ch;
    }
  }

  if (type === "exact") return { text, exclusion, matches: (path) => path === text };
  if (type === "prefix") {
    const prefix = text.slice(0, -2);
    return { text, exclusion, matches: (path) => path.startsWith(prefix) };
  }
  if (type === "suffix") {
    const suffix = text.slice(2);
    return {
      text,
      exclusion,
      matches: (path) => path.endsWith(suffix) || (suffix.startsWith("/") && path === suffix.slice(1)),
    };
  }
  let regexp: RegExp;
  try {
    regexp = new RegExp(`${source}$`);
  } catch (error) {
    throw new Error(`invalid .dockerignore pattern ${JSON.stringify(text)}: ${(error as Error).message}`);
  }
  return { text, exclusion, matches: (path) => regexp.test(path) };
}

/** Per-pattern results for a directory, handed to its children (patternmatcher.MatchInfo). */
export type ParentMatchInfo = readonly boolean[];

/** The compiled pattern list of one ignore file. */
export class IgnoreMatcher {
  readonly patterns: readonly IgnorePattern[];
  /** True when any pattern is a `!` exception. */
  readonly hasExclusions: boolean;

  constructor(patterns: readonly string[]) {
    const compiled: IgnorePattern[] = [];
    for (const raw of patterns) {
      let pattern = raw.trim();
      if (pattern === "") continue;
      pattern = cleanPath(pattern);
      const exclusion = pattern.startsWith("!");
      if (exclusion) {
        if (pattern.length === 1) throw new Error('invalid .dockerignore pattern "!": an exception needs a path');
        pattern = pattern.slice(1);
      }
      compiled.push(compilePattern(pattern, exclusion));
    }
    this.patterns = compiled;
    this.hasExclusions = compiled.some((pattern) => pattern.exclusion);
  }

  /**
   * patternmatcher.MatchesOrParentMatches: true when the path, or one of its parent directories,
   * is excluded and no later `!` pattern re-includes it.
   */
  matchesOrParentMatches(path: string): boolean {
    return this.matchesUsingParentResults(path).excluded;
  }

  /**
   * patternmatcher.MatchesUsingParentResults, the variant BuildKit's context walker (fsutil) uses:
   * the parent directory's per-pattern results are carried down instead of re-testing every parent.
   */
  matchesUsingParentResults(path: string, parent?: ParentMatchInfo): { excluded: boolean; info: ParentMatchInfo } {
    let matched = false;
    const info: boolean[] = new Array(this.patterns.length).fill(false);
    this.patterns.forEach((pattern, index) => {
      let match = parent !== undefined && parent.length > 0 ? (parent[index] ?? false) : false;
      if (!match) {
        if (pattern.exclusion !== matched) return;
        match = pattern.matches(path);
        if (!match && (parent === undefined || parent.length === 0)) {
          const slash = path.lastIndexOf("/");
          if (slash > 0) {
            const dirs = path.slice(0, slash).split("/");
            for (let depth = 1; depth <= dirs.length && !match; depth++) {
              match = pattern.matches(dirs.slice(0, depth).join("/"));
            }
          }
        }
      }
      info[index] = match;
      if (match) matched = !pattern.exclusion;
    });
    return { excluded: matched, info };
  }

  /**
   * True when an excluded directory may be skipped without reading it: no `!` exception that comes
   * after the last plain pattern the directory matched in the walk (`dirInfo`, from
   * matchesUsingParentResults) can match it, an ancestor or anything inside. Checked segment by segment (a
   * `*`/`?`/`[]` segment must match the directory's segment at the same depth; `**` or an escape
   * means "maybe", so the directory is walked). Sound by construction: a pruned directory holds
   * nothing the ignore file lets through, so the result equals BuildKit's, which prunes less
   * (fsutil walks every excluded directory as soon as one exception contains a glob).
   */
  canPruneExcludedDir(dirPath: string, dirInfo?: ParentMatchInfo): boolean {
    if (!this.hasExclusions) return true;
    const dirSegments = dirPath.split("/");
    // A plain pattern that matched the directory itself in the walk (its per-pattern result, which
    // BuildKit hands down to every child) excludes everything inside again, whatever exceptions came
    // before it (`*`, `!app/frontend`, `app/frontend/node_modules`): only exceptions after the last
    // such pattern can let something inside through. Without the walk's results, assume none.
    let lastCovering = -1;
    this.patterns.forEach((pattern, index) => {
      if (!pattern.exclusion && dirInfo?.[index]) lastCovering = index;
    });
    return !this.patterns.some(
      (pattern, index) => index > lastCovering && pattern.exclusion && mayMatchAtOrUnder(pattern.text, dirSegments),
    );
  }
}

/** Could `pattern` match the directory, one of its ancestors, or a path inside it? */
function mayMatchAtOrUnder(pattern: string, dirSegments: readonly string[]): boolean {
  const patternSegments = pattern.split("/");
  const depth = Math.min(patternSegments.length, dirSegments.length);
  for (let i = 0; i < depth; i++) {
    const segment = patternSegments[i] as string;
    if (segment.includes("**") || segment.includes("\\")) return true;
    let matches: boolean;
    try {
      matches = compilePattern(segment, false).matches(dirSegments[i] as string);
    } catch {
      return true; // e.g. a character class split by "/": cannot tell, so walk
    }
    if (!matches) return false;
  }
  // Every compared segment matched: the pattern names the directory, an ancestor, or goes deeper.
  return true;
}
