// Puts chosen FAKE executables (test/fakes/bin) alone on PATH, with node, so nothing real on this
// machine (it has a real kubectl) can answer, and a missing binary is really missing.
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const FAKES_BIN = resolve(__dirname, "../fakes/bin");
export type FakeName = "kubectl" | "kagent" | "k8sgpt" | "kubectl-ai" | "helm";

export interface FakeCall {
  bin: FakeName;
  args: string[];
  stdin: string;
  /** Names of secret-looking environment variables the fake saw. */
  secretEnv: string[];
}

export interface FakeWorld {
  env: NodeJS.ProcessEnv;
  stateDir: string;
  calls(bin?: FakeName): FakeCall[];
  cleanup(): void;
}

export function fakeWorld(fakes: FakeName[], vars: Record<string, string> = {}): FakeWorld {
  const root = mkdtempSync(join(tmpdir(), "aiops-fakes-"));
  const bin = join(root, "bin");
  const stateDir = join(root, "state");
  require("node:fs").mkdirSync(bin);
  require("node:fs").mkdirSync(stateDir);
  symlinkSync(process.execPath, join(bin, "node"));
  for (const fake of fakes) symlinkSync(join(FAKES_BIN, fake), join(bin, fake));
  return {
    env: { PATH: bin, HOME: root, FAKE_STATE_DIR: stateDir, ...vars },
    stateDir,
    calls: (only) => {
      let text = "";
      try {
        text = readFileSync(join(stateDir, "calls.jsonl"), "utf8");
      } catch {
        return [];
      }
      const calls = text
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as FakeCall);
      return only ? calls.filter((c) => c.bin === only) : calls;
    },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}
