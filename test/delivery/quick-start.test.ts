// The README's Quick start as the real-engine e2e reads it (scripts/local-cluster/quick-start.ts):
// the lines it types, in order, taken from README.md itself.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { QUICK_START_HEADING, quickStartSteps, shellWords } from "../../scripts/local-cluster/quick-start";

const README = readFileSync(join(__dirname, "..", "..", "README.md"), "utf8");

describe("the README's Quick start, as the e2e runs it", () => {
  it("finds the pulumi and export lines of README.md in order, the secret prompt and the deferred up", () => {
    const steps = quickStartSteps(README);
    const pulumi = steps.flatMap((step) => (step.kind === "pulumi" ? [step.args.join(" ")] : []));
    expect(pulumi.slice(0, 2)).toEqual(["login --local", "stack init dev"]);
    expect(steps.findIndex((step) => step.kind === "export")).toBeLessThan(
      steps.findIndex((step) => step.kind === "pulumi" && step.args[0] === "stack"),
    );
    const prompt = steps.find((step) => step.kind === "pulumi" && step.promptsFor);
    expect(prompt).toMatchObject({ args: ["config", "set", "--secret", "databaseUrl"], promptsFor: "databaseUrl" });
    expect(steps.filter((step) => step.kind === "deferred").map((step) => step.line)).toEqual([
      "pulumi up",
      'eval "$(pulumi stack output appUrl)"',
    ]);
    // Every line it returns is a line of the README's block.
    for (const step of steps) expect(README).toContain(step.line);
  });

  it("reads the passphrase's export without its quotes", () => {
    const exported = quickStartSteps(README).find((step) => step.kind === "export");
    expect(exported).toMatchObject({ name: "PULUMI_CONFIG_PASSPHRASE" });
    expect(exported?.kind === "export" && exported.value).not.toMatch(/['"]/);
  });

  it("a secret given on the line is not a prompt", () => {
    const readme = `x\n${QUICK_START_HEADING}\n\n\`\`\`sh\npulumi login --local\npulumi stack init dev\npulumi config set --secret databaseUrl 'postgres://a'\n\`\`\`\n`;
    const set = quickStartSteps(readme).at(-1);
    expect(set).toMatchObject({ kind: "pulumi", args: ["config", "set", "--secret", "databaseUrl", "postgres://a"] });
    expect(set && "promptsFor" in set).toBe(false);
  });

  it("fails naming what is missing when the section, its block or its stack init is gone", () => {
    expect(() => quickStartSteps("# nothing\n")).toThrow(QUICK_START_HEADING);
    expect(() =>
      quickStartSteps(`x\n${QUICK_START_HEADING}\n\nno block\n## Next\n\`\`\`sh\npulumi up\n\`\`\``),
    ).toThrow(/no ```sh block/);
    expect(() => quickStartSteps(`x\n${QUICK_START_HEADING}\n\`\`\`sh\npulumi login --local\n\`\`\`\n`)).toThrow(
      "pulumi stack init dev",
    );
  });

  it("splits shell words with quotes, as the README writes them", () => {
    expect(shellWords(`pulumi config set --path 'networkPolicyAllowNamespaces[0]' "a b"`)).toEqual([
      "pulumi",
      "config",
      "set",
      "--path",
      "networkPolicyAllowNamespaces[0]",
      "a b",
    ]);
    expect(shellWords("export A='x y'z")).toEqual(["export", "A=x yz"]);
  });
});
