// Runs the whole Pulumi program (index.ts) in a child process under mocks, as the language host
// would load it, and returns the preload's report plus the process output.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

import type { MocksReport } from "./program-mocks";

export const REPO_ROOT = resolve(__dirname, "..", "..", "..");
const PRELOAD = join(__dirname, "program-mocks.ts");

export interface ProgramRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  report: MocksReport;
}

/** Project config for the run: key without prefix → value as `pulumi config set` stores it (a string). */
export type ProgramConfig = Record<string, string>;

export function runProgram(
  config: ProgramConfig,
  options: { stack?: string; secretKeys?: string[]; program?: string; project?: string } = {},
): ProgramRun {
  const dir = mkdtempSync(join(tmpdir(), "todo-program-"));
  const reportPath = join(dir, "report.json");
  const project = options.project ?? "todo-platform";
  const pulumiConfig = Object.fromEntries(Object.entries(config).map(([key, value]) => [`${project}:${key}`, value]));
  try {
    const child = spawnSync(
      process.execPath,
      ["-r", "ts-node/register", "-r", PRELOAD, options.program ?? join(REPO_ROOT, "index.ts")],
      {
        cwd: REPO_ROOT,
        encoding: "utf8",
        timeout: 120_000,
        env: {
          ...process.env,
          TS_NODE_PROJECT: join(REPO_ROOT, "tsconfig.json"),
          PULUMI_CONFIG: JSON.stringify(pulumiConfig),
          PULUMI_CONFIG_SECRET_KEYS: JSON.stringify((options.secretKeys ?? []).map((key) => `${project}:${key}`)),
          TODO_MOCKS_REPORT: reportPath,
          TODO_MOCKS_PROJECT: project,
          TODO_MOCKS_STACK: options.stack ?? "dev",
        },
      },
    );
    let report: MocksReport = { resources: [], exports: {}, completed: false };
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
