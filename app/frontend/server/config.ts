// The production server's settings, all from the environment, checked once at startup so a bad
// deploy fails fast with a message that names the variable and the fix.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export interface ServerConfig {
  port: number;
  host: string;
  /** Where /api/* is proxied to, e.g. http://todo-backend:8080. */
  backendUrl: URL;
  /** The `vite build` output holding index.html and assets/. */
  staticDir: string;
  logLevel: string;
  /** After SIGTERM, exit 1 if draining and closing take longer than this. */
  shutdownTimeoutMs: number;
  /** After SIGTERM, keep serving this long (readiness 503, `Connection: close`) before closing. */
  shutdownDrainMs: number;
}

/** dist/server/config.js → dist/client, the layout `npm run build` produces. */
const DEFAULT_STATIC_DIR = fileURLToPath(new URL("../client", import.meta.url));
const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const rawBackend = env.BACKEND_URL;
  if (!rawBackend) {
    throw new Error("BACKEND_URL is not set; set it to the backend's base URL, e.g. BACKEND_URL=http://127.0.0.1:3000");
  }
  let backendUrl: URL;
  try {
    backendUrl = new URL(rawBackend);
  } catch {
    throw new Error(`BACKEND_URL must be an absolute http(s) URL, got "${rawBackend}"`);
  }
  if (backendUrl.protocol !== "http:" && backendUrl.protocol !== "https:") {
    throw new Error(`BACKEND_URL must use http or https, got "${backendUrl.protocol}"`);
  }

  const staticDir = env.STATIC_DIR || DEFAULT_STATIC_DIR;
  if (!existsSync(join(staticDir, "index.html"))) {
    throw new Error(`${staticDir} has no index.html; run \`npm run build -w app/frontend\` or set STATIC_DIR`);
  }

  const logLevel = env.LOG_LEVEL || "info";
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new Error(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}, got "${logLevel}"`);
  }

  const shutdownTimeoutMs = integer(env, "SHUTDOWN_TIMEOUT_MS", 10_000, 0, 600_000);
  const shutdownDrainMs = integer(env, "SHUTDOWN_DRAIN_MS", 0, 0, 600_000);
  if (shutdownDrainMs >= shutdownTimeoutMs && shutdownDrainMs > 0) {
    throw new Error(
      `SHUTDOWN_DRAIN_MS (${shutdownDrainMs}) must be less than SHUTDOWN_TIMEOUT_MS (${shutdownTimeoutMs}), which counts from the same signal`,
    );
  }

  return {
    port: integer(env, "PORT", 8080, 0, 65_535),
    host: env.HOST || "0.0.0.0",
    backendUrl,
    staticDir,
    logLevel,
    shutdownTimeoutMs,
    shutdownDrainMs,
  };
}
