// The versions of the tools the laptop path is built against: the ones that cannot run on the
// development machine (Minikube, kagent, k8sgpt, kubectl-ai, the command and random providers),
// so every parser, fake and recorded output in test/fakes was checked against their sources at
// exactly these tags. The docs show this table (test/deploy/laptop-versions.test.ts keeps them in
// step), and the pre-flights warn when a user's version falls outside the tested range.

/** An inclusive range of releases, compared on major.minor.patch (pre-release tags ignored). */
export interface TestedRange {
  /** Oldest release whose output formats the code handles. */
  minimum: string;
  /** Newest release read; later ones may still work, and get a warning. */
  newest: string;
}

export const LAPTOP_VERSIONS = {
  /** `profile list -o json` reports "OK" since v1.35.0 (kubernetes/minikube#18998). */
  minikube: { minimum: "1.35.0", newest: "1.38.1" },
  /**
   * Chart (oci://ghcr.io/kagent-dev/kagent/helm/kagent) and CLI, always the same release; the chart is
   * installed at `newest` (components/kagent-values.ts). v0.9.12 is the newest stable tag (0.10.0 is
   * still an rc; main's 0.11 prints a2a-go v2 documents and drops the built-in agents). From v0.9.10 to
   * v0.9.12 nothing changed under go/core/cli, go/api/client or the agent charts, so the CLI's output
   * is the same.
   */
  kagent: { minimum: "0.9.10", newest: "0.9.12" },
  k8sgpt: { minimum: "0.4.36", newest: "0.4.36" },
  kubectlAi: { minimum: "0.0.28", newest: "0.0.28" },
} as const satisfies Record<string, TestedRange>;

/**
 * Pulumi plugins the program's npm packages ask the engine for: the npm package version is the
 * plugin version (package.json and the lockfile must say the same; test/deploy/laptop-versions.test.ts).
 */
export const PULUMI_PLUGINS = {
  command: "1.2.1",
  "docker-build": "0.0.22",
  kubernetes: "4.25.0",
  random: "4.21.2",
} as const;

/** The oldest Pulumi CLI that accepts the releases' error hooks. */
export const PULUMI_CLI_MINIMUM = "3.217.0";

/** Parses "v1.38.1", "1.38.1-beta.0" or "0.9.12+dirty" into [major, minor, patch]; undefined if it is none. */
export function parseVersion(text: string): [number, number, number] | undefined {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(text.trim());
  if (!match) return undefined;
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

function compare(a: [number, number, number], b: [number, number, number]): number {
  for (let i = 0; i < 3; i++) {
    const delta = (a[i] ?? 0) - (b[i] ?? 0);
    if (delta !== 0) return delta;
  }
  return 0;
}

/**
 * A warning when `version` is outside the range the code was checked against, else undefined.
 * Never an error: a newer release usually still works, and the user decides.
 */
export function versionWarning(tool: string, version: string, range: TestedRange): string | undefined {
  const parsed = parseVersion(version);
  if (!parsed)
    return `${tool} reported version "${version.trim().slice(0, 60)}", which is not a version number; tested: ${range.minimum} to ${range.newest}`;
  const minimum = parseVersion(range.minimum);
  const newest = parseVersion(range.newest);
  if (minimum && compare(parsed, minimum) < 0) {
    return `${tool} ${version.trim()} is older than ${range.minimum}, the oldest release this program was tested against (up to ${range.newest}): upgrade it`;
  }
  if (newest && compare(parsed, newest) > 0) {
    return `${tool} ${version.trim()} is newer than ${range.newest}, the newest release this program was tested against (from ${range.minimum}); if something fails, try ${range.newest}`;
  }
  return undefined;
}
