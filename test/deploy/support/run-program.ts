// Runs the whole Pulumi program (index.ts) in a child process under mocks, as the language host
// would load it, and returns the preload's report plus the process output.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parse } from "yaml";

import type { MocksReport, StackReferences } from "./program-mocks";

export const REPO_ROOT = resolve(__dirname, "..", "..", "..");
const PRELOAD = join(__dirname, "program-mocks.ts");
/** Registers ts-node the way Pulumi's language host does (transpileOnly from the tsconfig's noCheck). */
export const REGISTER_LIKE_PULUMI = join(__dirname, "register-like-pulumi.js");

export interface ProgramRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  report: MocksReport;
}

/** Project config for the run: key without prefix → value as `pulumi config set` stores it (a string). */
export type ProgramConfig = Record<string, string>;

/** A config value as the CLI hands it to the program: primitives as text, objects and arrays as JSON. */
function configText(value: unknown): string {
  return typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
}

/**
 * The config Pulumi would give the program for `stack`: the values of Pulumi.<stack>.yaml (if any),
 * then, for every key the stack does not set, the default declared in Pulumi.yaml, then `overrides`.
 * Keys without the project prefix, values as text (see configText).
 */
export function stackConfig(stack: string, overrides: ProgramConfig = {}, root = REPO_ROOT): ProgramConfig {
  const project = parse(readFileSync(join(root, "Pulumi.yaml"), "utf8")) as {
    name: string;
    config?: Record<string, { default?: unknown }>;
  };
  const prefix = `${project.name}:`;
  let stackValues: Record<string, unknown> = {};
  try {
    const settings = parse(readFileSync(join(root, `Pulumi.${stack}.yaml`), "utf8")) as {
      config?: Record<string, unknown>;
    };
    stackValues = settings?.config ?? {};
  } catch {
    // no stack settings file: only the project defaults apply, as for a fresh `pulumi stack init`
  }
  const config: ProgramConfig = {};
  for (const [key, declaration] of Object.entries(project.config ?? {})) {
    if (declaration.default !== undefined) config[key] = configText(declaration.default);
  }
  for (const [key, value] of Object.entries(stackValues)) {
    // Other namespaces (e.g. kubernetes:context) configure providers, not this program.
    if (key.startsWith(prefix)) config[key.slice(prefix.length)] = configText(value);
  }
  return { ...config, ...overrides };
}

/** The tsconfig.json in the program's directory, else the repository root's. */
function programTsconfig(program: string): string {
  const beside = join(dirname(program), "tsconfig.json");
  return existsSync(beside) ? beside : join(REPO_ROOT, "tsconfig.json");
}

export function runProgram(
  config: ProgramConfig,
  options: {
    stack?: string;
    secretKeys?: string[];
    program?: string;
    project?: string;
    /** Outputs the program's StackReferences read, by stack name. */
    stackReferences?: StackReferences;
  } = {},
): ProgramRun {
  const dir = mkdtempSync(join(tmpdir(), "todo-program-"));
  const reportPath = join(dir, "report.json");
  const project = options.project ?? "todo-platform";
  const pulumiConfig = Object.fromEntries(Object.entries(config).map(([key, value]) => [`${project}:${key}`, value]));
  try {
    const child = spawnSync(
      process.execPath,
      ["-r", REGISTER_LIKE_PULUMI, "-r", PRELOAD, options.program ?? join(REPO_ROOT, "index.ts")],
      {
        cwd: REPO_ROOT,
        encoding: "utf8",
        timeout: 120_000,
        env: {
          ...process.env,
          // Pulumi uses the tsconfig.json beside the program (and reads its compilerOptions without
          // following `extends`, see register-like-pulumi.js).
          TS_NODE_PROJECT: programTsconfig(options.program ?? join(REPO_ROOT, "index.ts")),
          PULUMI_CONFIG: JSON.stringify(pulumiConfig),
          PULUMI_CONFIG_SECRET_KEYS: JSON.stringify((options.secretKeys ?? []).map((key) => `${project}:${key}`)),
          TODO_MOCKS_REPORT: reportPath,
          TODO_MOCKS_PROJECT: project,
          TODO_MOCKS_STACK: options.stack ?? "dev",
          TODO_MOCKS_STACK_REFERENCES: JSON.stringify(options.stackReferences ?? {}),
        },
      },
    );
    let report: MocksReport = { resources: [], exports: {}, completed: false, resourceHooks: [] };
    try {
      report = JSON.parse(readFileSync(reportPath, "utf8"));
    } catch {
      // no report: the process died before the preload could write one; the caller sees stderr
    }
    return { exitCode: child.status ?? -1, stdout: child.stdout, stderr: child.stderr, report };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
