// Runs scripts/local-cluster/index-program.ts the way scripts/local-cluster/engine.ts will: in a
// process started by tsx, against a copy of the repository made by support.ts copyCheckout, with
// the program run as the Automation API runs an inline program (runtime.runInPulumiStack), here
// under Pulumi's mocks (test/deploy/support/program-mocks.ts) instead of an engine.
//   npx tsx test/delivery/support/index-program-driver.ts   (report to $TODO_INDEX_PROGRAM_REPORT)
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, sep } from "node:path";
import * as pulumi from "@pulumi/pulumi";

import { indexProgram, languageHostTsNodeOptions } from "../../../scripts/local-cluster/index-program";
import { copyCheckout, REPO } from "../../../scripts/local-cluster/support";
import { mocksReport } from "../../deploy/support/program-mocks";

export interface IndexProgramRun {
  outputs?: Record<string, unknown>;
  error?: string;
  /** `type::name` of what the run registered. */
  registered: string[];
  /** The health analysis Command's `dir` (components/health.ts REPO_ROOT of the loaded copy). */
  analysisDir?: string;
}

export interface IndexProgramReport {
  checkout: string;
  cwd: string;
  first: IndexProgramRun;
  /** After outputs.ts of the copy was edited. */
  edited: IndexProgramRun;
  /** The copy's index.ts loaded again with aiops.analyzer off (config only). */
  off: IndexProgramRun;
  /** Files of @pulumi/pulumi's entry module in the require cache, and cached modules under the checkout's node_modules. */
  sdkInstances: string[];
  cachedUnderCheckoutNodeModules: number;
  /** A scratch project whose index.ts has a type error: with noCheck true and false in its tsconfig. */
  scratch: { noCheck: IndexProgramRun; typeChecked: IndexProgramRun };
  /**
   * The copy's examples/consumer (a project in a subdirectory, its tsconfig extending the root's),
   * loaded after the root's index.ts; its StackReference reads $TODO_MOCKS_STACK_REFERENCES.
   */
  consumer: IndexProgramRun & { ownNodeModules: boolean; cachedUnderConsumer: string[] };
  /**
   * A scratch project (noCheck true) with a project in `sub/` whose tsconfig extends it but sets
   * noCheck false; both have a type error, the root is loaded first.
   */
  nested: { root: IndexProgramRun; sub: IndexProgramRun };
  tsNodeOptions: ReturnType<typeof languageHostTsNodeOptions>;
}

/** Errors the program left unhandled (as the language host's and the inline server's handlers would log them). */
const unhandled: string[] = [];
process.on("unhandledRejection", (error) => unhandled.push(String((error as Error)?.message ?? error)));

/** Runs `program` with `config` under the mocks' project name (todo-platform, the consumer's too here). */
async function run(program: () => Promise<Record<string, unknown>>, config: Record<string, string>) {
  pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(config).map(([k, v]) => [`todo-platform:${k}`, v])));
  const before = mocksReport.resources.length;
  const result: IndexProgramRun = { registered: [] };
  unhandled.length = 0;
  try {
    // What the Automation API's inline-program server does with the function.
    result.outputs = (await pulumi.runtime.runInPulumiStack(program)) as Record<string, unknown>;
  } catch (error) {
    result.error = String((error as Error).message ?? error);
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
  if (!result.error && unhandled.length > 0) result.error = unhandled.join("\n");
  const registered = mocksReport.resources.slice(before);
  result.registered = registered.map((r) => `${r.type}::${r.name}`);
  const analysis = registered.find((r) => r.type === "command:local:Command" && r.name === "health-analysis");
  result.analysisDir = analysis ? String(analysis.inputs.dir) : undefined;
  return result;
}

function scratchProject(noCheck: boolean, dir = mkdtempSync(join(tmpdir(), "index-program-scratch-"))): string {
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: { strict: true, noCheck, skipLibCheck: true, types: [], lib: ["ES2022"] },
      "ts-node": { swc: noCheck },
    }),
  );
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "scratch", private: true }));
  // tsx compiles this without a word; ts-node with type checking refuses it.
  writeFileSync(join(dir, "index.ts"), 'export const answer = 42;\nexport const wrong: number = "not a number";\n');
  return dir;
}

/** A project in `<root>/sub` whose tsconfig extends the root's and type-checks (noCheck false). */
function nestedProject(root: string): string {
  const sub = join(root, "sub");
  mkdirSync(sub);
  scratchProject(false, sub);
  writeFileSync(
    join(sub, "tsconfig.json"),
    JSON.stringify({ extends: "../tsconfig.json", compilerOptions: { noCheck: false }, "ts-node": { swc: false } }),
  );
  return sub;
}

async function main(): Promise<void> {
  const checkout = copyCheckout();
  const scratch = [scratchProject(true), scratchProject(false), scratchProject(true)];
  try {
    const config = { aiops: JSON.stringify({ analyzer: "none" }) };
    const program = indexProgram(checkout);
    const first = await run(program, config);
    const outputsFile = join(checkout, "outputs.ts");
    const text = readFileSync(outputsFile, "utf8");
    const marker = "return `minikube -p";
    if (!text.includes(marker)) throw new Error(`outputs.ts no longer has ${marker}`);
    writeFileSync(outputsFile, text.replace(marker, "return `EDITED minikube -p"));
    // The same function, called again (as the engine calls it for the next update).
    const edited = await run(program, config);
    const off = await run(indexProgram(checkout), { aiops: JSON.stringify({ analyzer: "off" }) });
    const consumerDir = join(checkout, "examples", "consumer");
    const consumer = await run(indexProgram(consumerDir), { platformStack: "organization/todo-platform/dev" });
    const cached = Object.keys(require.cache);
    const nestedRoot = scratch[2] as string;
    const nestedSub = nestedProject(nestedRoot);
    const nestedRootRun = await run(indexProgram(nestedRoot), {});
    const report: IndexProgramReport = {
      checkout: realpathSync(checkout),
      cwd: process.cwd(),
      first,
      edited,
      off,
      sdkInstances: cached.filter((key) => key.endsWith(join("@pulumi", "pulumi", "index.js"))),
      cachedUnderCheckoutNodeModules: cached.filter((key) =>
        key.startsWith(join(realpathSync(checkout), "node_modules")),
      ).length,
      scratch: {
        noCheck: await run(indexProgram(scratch[0] as string), {}),
        typeChecked: await run(indexProgram(scratch[1] as string), {}),
      },
      tsNodeOptions: languageHostTsNodeOptions(REPO),
      consumer: {
        ...consumer,
        ownNodeModules: existsSync(join(consumerDir, "node_modules")),
        cachedUnderConsumer: cached
          .filter((key) => key.startsWith(`${realpathSync(consumerDir)}${sep}`))
          .map((key) => key.slice(realpathSync(consumerDir).length + 1))
          .sort(),
      },
      nested: { root: nestedRootRun, sub: await run(indexProgram(nestedSub), {}) },
    };
    writeFileSync(process.env.TODO_INDEX_PROGRAM_REPORT ?? "", JSON.stringify(report, null, 2));
  } finally {
    for (const dir of [checkout, ...scratch]) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
