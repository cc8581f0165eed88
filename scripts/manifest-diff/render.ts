// Renders one Helm release to its Kubernetes manifests with `helm template`: no cluster needed,
// the same text the release would apply.
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** One release as the program would install it: chart folder, release name, namespace, values. */
export interface ReleaseInput {
  /** Release name (`helm template <name>`). */
  name: string;
  namespace: string;
  /** Absolute path of the chart folder. */
  chartDir: string;
  values: Record<string, unknown>;
}

/**
 * The helm executable: $HELM_BIN, else `helm` on PATH, else the helm 3 binary the repo's dev
 * dependencies ship (test/support/helm.ts), so the script also works on a machine without helm.
 */
export function resolveHelm(): string {
  if (process.env.HELM_BIN) return process.env.HELM_BIN;
  try {
    execFileSync("helm", ["version", "--short"], { stdio: "pipe" });
    return "helm";
  } catch {
    // Loaded lazily: adm-zip and the CDK layers are dev dependencies.
    const { helmBinary } = require("../../test/support/helm") as typeof import("../../test/support/helm");
    return helmBinary("3");
  }
}

/** `helm template` output for one release; rejects with helm's stderr. */
export async function renderRelease(release: ReleaseInput, helm: string = resolveHelm()): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "manifest-diff-"));
  try {
    const valuesFile = join(dir, "values.json");
    // JSON is YAML, and keeps every value's type exactly as the program computed it.
    writeFileSync(valuesFile, JSON.stringify(release.values));
    const args = ["template", release.name, release.chartDir, "--namespace", release.namespace, "--values", valuesFile];
    const { stdout } = await run(helm, args, { maxBuffer: 64 * 1024 * 1024 }).catch((error) => {
      const err = error as { stderr?: string; message: string };
      throw new Error(`helm ${args.join(" ")} failed: ${err.stderr || err.message}`);
    });
    return stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
