// lib/laptop-versions.ts is the one place the laptop path's versions are pinned. This keeps it in
// step with what npm installs (package.json ranges, package-lock.json versions) and with README's
// "Tested versions" table, and pins how parseVersion and versionWarning judge a reported version.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import semver from "semver";
import { describe, expect, it } from "vitest";

import {
  LAPTOP_VERSIONS,
  PULUMI_CLI_MINIMUM,
  PULUMI_PLUGINS,
  parseVersion,
  type TestedRange,
  versionWarning,
} from "../../lib/laptop-versions";

const REPO = join(__dirname, "..", "..");
const manifest = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
};
const lock = JSON.parse(readFileSync(join(REPO, "package-lock.json"), "utf8")) as {
  packages: Record<string, { version?: string }>;
};
const readme = readFileSync(join(REPO, "README.md"), "utf8");

/** @pulumi/* packages that are SDKs, not provider plugins the engine installs. */
const NOT_PLUGINS = new Set(["@pulumi/pulumi", "@pulumi/policy"]);

/** Cells of README's table between `<!-- <name>:start … -->` and `<!-- <name>:end -->`, header dropped. */
function readmeTable(name: string): string[][] {
  const start = readme.indexOf(`<!-- ${name}:start`);
  const end = readme.indexOf(`<!-- ${name}:end -->`);
  if (start < 0 || end < start) throw new Error(`README.md has no ${name} markers`);
  return readme
    .slice(start, end)
    .split("\n")
    .filter((line) => line.startsWith("| ") && !/^\| -+ \|/.test(line))
    .slice(1)
    .map((line) =>
      line
        .slice(2, -2)
        .split(/(?<!\\) \| /)
        .map((cell) => cell.trim()),
    );
}

describe("PULUMI_PLUGINS against npm", () => {
  it.each(Object.entries(PULUMI_PLUGINS))("%s %s is the version package-lock.json installs", (name, version) => {
    expect(lock.packages[`node_modules/@pulumi/${name}`]?.version).toBe(version);
  });

  it.each(Object.entries(PULUMI_PLUGINS))("%s %s is allowed by package.json's dependencies range", (name, version) => {
    const range = manifest.dependencies?.[`@pulumi/${name}`];
    expect(range, `@pulumi/${name} is not in package.json "dependencies"`).toBeDefined();
    expect(semver.satisfies(version, range ?? "", { includePrerelease: false }), `${range} allows ${version}`).toBe(
      true,
    );
  });

  it("lists every @pulumi provider the program depends on (not the SDKs pulumi and policy)", () => {
    const providers = Object.keys(manifest.dependencies ?? {})
      .filter((dependency) => dependency.startsWith("@pulumi/") && !NOT_PLUGINS.has(dependency))
      .map((dependency) => dependency.slice("@pulumi/".length))
      .sort();
    expect(providers.length).toBeGreaterThan(0);
    expect(Object.keys(PULUMI_PLUGINS).sort()).toEqual(providers);
  });

  it("keeps no @pulumi provider in devDependencies, where `npm ci --omit=dev` would drop it", () => {
    const dev = Object.keys(manifest.devDependencies ?? {}).filter(
      (dependency) => dependency.startsWith("@pulumi/") && !NOT_PLUGINS.has(dependency),
    );
    expect(dev).toEqual([]);
  });
});

describe("README's Tested versions table", () => {
  const rows = readmeTable("laptop-versions-table");
  /** Pin column (without backticks) → [oldest, newest]. */
  const byPin = new Map(rows.map((cells) => [String(cells[1]).replaceAll("`", ""), [cells[2], cells[3]]]));

  /** What the table must show: every pin of lib/laptop-versions.ts, and nothing else. */
  const expected = new Map<string, [string, string]>([
    ...Object.entries(LAPTOP_VERSIONS).map(
      ([tool, range]) => [`LAPTOP_VERSIONS.${tool}`, [range.minimum, range.newest]] as [string, [string, string]],
    ),
    ...Object.entries(PULUMI_PLUGINS).map(
      ([name, version]) => [`PULUMI_PLUGINS.${name}`, [version, version]] as [string, [string, string]],
    ),
    ["PULUMI_CLI_MINIMUM", [PULUMI_CLI_MINIMUM, "—"]],
  ]);

  it("has one row per pin, each with five cells", () => {
    expect(rows.length).toBe(expected.size);
    for (const cells of rows) expect(cells).toHaveLength(5);
    expect([...byPin.keys()].sort()).toEqual([...expected.keys()].sort());
  });

  it.each([...expected.entries()])("%s shows exactly %j", (pin, versions) => {
    expect(byPin.get(pin)).toEqual(versions);
  });

  it("agrees with the prose's Pulumi CLI minimum", () => {
    const [major, minor] = parseVersion(PULUMI_CLI_MINIMUM) ?? [];
    expect(readme).toContain(`(${major}.${minor} or newer:`);
  });
});

describe("parseVersion", () => {
  it.each([
    ["v1.38.1", [1, 38, 1]],
    ["1.38.1", [1, 38, 1]],
    ["1.38.1-beta.0", [1, 38, 1]],
    ["0.9.12+dirty", [0, 9, 12]],
    ["  v0.4.36\n", [0, 4, 36]],
  ])("%j → %j", (text, parsed) => {
    expect(parseVersion(text)).toEqual(parsed);
  });

  it.each(["", "unknown", "1.38", "version 1.38.1", "v.1.2.3"])("%j is no version", (text) => {
    expect(parseVersion(text)).toBeUndefined();
  });
});

describe("versionWarning", () => {
  const range: TestedRange = { minimum: "1.35.0", newest: "1.38.1" };

  it.each(["1.35.0", "v1.36.0", "1.38.1", "v1.38.1-beta.0", "1.38.1+dirty"])(
    "says nothing for %s (in range)",
    (version) => {
      expect(versionWarning("minikube", version, range)).toBeUndefined();
    },
  );

  it("warns below the range, naming the oldest tested release and the fix", () => {
    expect(versionWarning("minikube", "v1.34.0", range)).toBe(
      "minikube v1.34.0 is older than 1.35.0, the oldest release this program was tested against (up to 1.38.1): upgrade it",
    );
    expect(versionWarning("minikube", "1.34.99", range)).toMatch(/older than 1\.35\.0/);
  });

  it("warns above the range, naming the newest tested release to fall back to", () => {
    expect(versionWarning("minikube", "v1.39.0", range)).toBe(
      "minikube v1.39.0 is newer than 1.38.1, the newest release this program was tested against (from 1.35.0); if something fails, try 1.38.1",
    );
    expect(versionWarning("minikube", "2.0.0", range)).toMatch(/newer than 1\.38\.1/);
    // Numeric, not string, comparison: 1.100.0 is newer than 1.38.1.
    expect(versionWarning("minikube", "1.100.0", range)).toMatch(/newer than/);
  });

  it("warns for an unparsable version, quoting at most 60 characters of it", () => {
    expect(versionWarning("kagent CLI", "unknown", range)).toBe(
      'kagent CLI reported version "unknown", which is not a version number; tested: 1.35.0 to 1.38.1',
    );
    const long = "x".repeat(200);
    const warning = versionWarning("kagent CLI", long, range) ?? "";
    expect(warning).toContain(`"${"x".repeat(60)}"`);
    expect(warning).not.toContain("x".repeat(61));
  });

  it("judges every pinned range's own ends as in range", () => {
    for (const [tool, pinned] of Object.entries(LAPTOP_VERSIONS)) {
      expect(versionWarning(tool, pinned.minimum, pinned), tool).toBeUndefined();
      expect(versionWarning(tool, `v${pinned.newest}`, pinned), tool).toBeUndefined();
      expect(semver.lte(pinned.minimum, pinned.newest), `${tool}: minimum ≤ newest`).toBe(true);
    }
  });
});
