import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

/** True when an executable of that name is on PATH, so we can say "not installed" before starting anything. */
export function onPath(program: string, env: NodeJS.ProcessEnv): boolean {
  for (const dir of (env.PATH ?? "").split(delimiter).filter(Boolean)) {
    try {
      accessSync(join(dir, program), constants.X_OK);
      return true;
    } catch {
      // keep looking
    }
  }
  return false;
}
