// The README's Quick start ("Deploy to Minikube: `pulumi up`"), read from the README itself so the
// e2e types what a user types: its `export` lines and its `pulumi` lines, in order. A README edit
// that breaks one of them then breaks the run. Pure (the e2e runs what this returns).
//
// Two lines are left to the e2e, each for a reason the run states:
// - `pulumi up`: the module proxy serves no Node.js language host, so the Automation API runs the
//   same index.ts (index-program.ts) on the same stack;
// - `eval "$(pulumi stack output appUrl)"`: the printed command is Minikube's; the e2e runs
//   `pulumi stack output appUrl` and checks it against the contract instead.

/** The README's heading of the Quick start. */
export const QUICK_START_HEADING = "## Deploy to Minikube: `pulumi up`";

export type QuickStartStep =
  /** `export NAME='value'`: the variable every later command gets. */
  | { kind: "export"; line: string; name: string; value: string }
  /** A `pulumi` command; `promptsFor` names a secret value it reads from stdin (no value on the line). */
  | { kind: "pulumi"; line: string; args: string[]; promptsFor?: string }
  /** A line the e2e replaces (see the header), kept so the run can say so. */
  | { kind: "deferred"; line: string };

/** Shell words of a simple command line: blanks split, '…' and "…" quote (no escapes, no expansion). */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  const pattern = /'([^']*)'|"([^"]*)"|([^\s'"]+)/g;
  let current: string | undefined;
  let lastEnd = -1;
  for (const match of line.matchAll(pattern)) {
    const text = match[1] ?? match[2] ?? match[3] ?? "";
    // Adjacent pieces (a='b') form one word.
    if (current !== undefined && match.index === lastEnd) current += text;
    else {
      if (current !== undefined) words.push(current);
      current = text;
    }
    lastEnd = match.index + match[0].length;
  }
  if (current !== undefined) words.push(current);
  return words;
}

/** The first ```sh block under the Quick start heading. */
function quickStartBlock(readme: string): string {
  const at = readme.indexOf(`\n${QUICK_START_HEADING}\n`);
  if (at < 0) throw new Error(`README.md has no "${QUICK_START_HEADING}" section: the e2e runs its commands`);
  const section = readme.slice(at + 1);
  const next = section.slice(QUICK_START_HEADING.length).search(/\n## /);
  const body = next < 0 ? section : section.slice(0, QUICK_START_HEADING.length + next);
  const block = /```sh\n([\s\S]*?)\n```/.exec(body);
  if (!block?.[1]) throw new Error(`README.md's "${QUICK_START_HEADING}" section has no \`\`\`sh block`);
  return block[1];
}

/**
 * The Quick start's steps the e2e runs: its `export` and `pulumi` lines in order (comments and the
 * minikube / npm lines are the cluster's and the install's), `pulumi up` and the appUrl line deferred.
 */
export function quickStartSteps(readme: string): QuickStartStep[] {
  const steps: QuickStartStep[] = [];
  for (const raw of quickStartBlock(readme).split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const words = shellWords(line);
    const exported = words[0] === "export" ? /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(words[1] ?? "") : null;
    if (exported?.[1] && exported[2] !== undefined) {
      steps.push({ kind: "export", line, name: exported[1], value: exported[2] });
    } else if (words[0] === "pulumi" && words[1] === "up") {
      steps.push({ kind: "deferred", line });
    } else if (words[0] === "pulumi") {
      const args = words.slice(1);
      const secretKey = args[0] === "config" && args[1] === "set" && args.includes("--secret");
      const keyAndValue = args.slice(2).filter((word) => !word.startsWith("--"));
      const promptsFor = secretKey && keyAndValue.length === 1 ? keyAndValue[0] : undefined;
      steps.push({ kind: "pulumi", line, args, ...(promptsFor ? { promptsFor } : {}) });
    } else if (line.includes("pulumi ")) {
      steps.push({ kind: "deferred", line });
    }
  }
  const has = (args: string) => steps.some((step) => step.kind === "pulumi" && step.args.join(" ") === args);
  for (const needed of ["login --local", "stack init dev"])
    if (!has(needed)) throw new Error(`the Quick start no longer runs \`pulumi ${needed}\`; the e2e follows it`);
  return steps;
}
