// Runtime configuration, read once from the environment and validated against one schema at boot.
// The TS type is derived from the schema so the two can never drift.
import { type Static, Type } from "typebox";
import { Value } from "typebox/value";

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];
const Port = Type.Integer({ minimum: 1, maximum: 65_535 });
const Millis = Type.Integer({ minimum: 1 });

export const EnvSchema = Type.Object({
  DATABASE_URL: Type.String({ pattern: "^postgres(ql)?://" }),
  PORT: Type.Optional(Port),
  HOST: Type.Optional(Type.String({ minLength: 1 })),
  DB_POOL_MAX: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  DB_CONNECT_TIMEOUT_MS: Type.Optional(Millis),
  DB_STARTUP_RETRIES: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  READY_TIMEOUT_MS: Type.Optional(Millis),
  SHUTDOWN_TIMEOUT_MS: Type.Optional(Millis),
  SHUTDOWN_DRAIN_MS: Type.Optional(Type.Integer({ minimum: 0 })),
  LOG_LEVEL: Type.Optional(Type.Union(LOG_LEVELS.map((level) => Type.Literal(level)))),
});
type Env = Static<typeof EnvSchema>;

export interface Config {
  databaseUrl: string;
  port: number;
  host: string;
  dbPoolMax: number;
  dbConnectTimeoutMs: number;
  dbStartupRetries: number;
  readyTimeoutMs: number;
  shutdownTimeoutMs: number;
  /** After SIGTERM, keep serving this long (readiness 503, `Connection: close`) before closing. */
  shutdownDrainMs: number;
  logLevel: string;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Validates the environment; throws a ConfigError naming every bad variable (never echoing secrets). */
export function loadConfig(environment: NodeJS.ProcessEnv = process.env): Config {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(EnvSchema.properties)) {
    const value = environment[key];
    if (value !== undefined && value !== "") raw[key] = value;
  }
  if (raw.DATABASE_URL === undefined) {
    throw new ConfigError("invalid configuration: DATABASE_URL is required (postgres://user:password@host:5432/db)");
  }
  const converted = Value.Convert(EnvSchema, raw);
  if (!Value.Check(EnvSchema, converted)) {
    // One message per variable, and never the value itself: DATABASE_URL carries a password.
    const problems = new Map<string, string>();
    for (const error of Value.Errors(EnvSchema, converted)) {
      const key = error.instancePath.replace(/^\//, "") || "environment";
      if (!problems.has(key)) problems.set(key, `${key} ${FRIENDLY_MESSAGES[key] ?? error.message}`);
    }
    throw new ConfigError(`invalid configuration: ${[...problems.values()].join("; ")}`);
  }
  const env = converted as Env;
  try {
    new URL(env.DATABASE_URL);
  } catch {
    throw new ConfigError("invalid configuration: DATABASE_URL is not a parseable URL");
  }
  const shutdownTimeoutMs = env.SHUTDOWN_TIMEOUT_MS ?? 10_000;
  const shutdownDrainMs = env.SHUTDOWN_DRAIN_MS ?? 0;
  if (shutdownDrainMs >= shutdownTimeoutMs) {
    throw new ConfigError(
      `invalid configuration: SHUTDOWN_DRAIN_MS (${shutdownDrainMs}) must be less than SHUTDOWN_TIMEOUT_MS (${shutdownTimeoutMs}), which counts from the same signal`,
    );
  }
  return {
    databaseUrl: env.DATABASE_URL,
    port: env.PORT ?? 8080,
    host: env.HOST ?? "0.0.0.0",
    dbPoolMax: env.DB_POOL_MAX ?? 10,
    dbConnectTimeoutMs: env.DB_CONNECT_TIMEOUT_MS ?? 5_000,
    dbStartupRetries: env.DB_STARTUP_RETRIES ?? 10,
    readyTimeoutMs: env.READY_TIMEOUT_MS ?? 1_000,
    shutdownTimeoutMs,
    shutdownDrainMs,
    logLevel: env.LOG_LEVEL ?? "info",
  };
}

const FRIENDLY_MESSAGES: Record<string, string> = {
  DATABASE_URL: "must be a postgres:// or postgresql:// URL",
  LOG_LEVEL: `must be one of ${LOG_LEVELS.join(", ")}`,
};

/** The URL with its password replaced, safe to log. */
export function redactDatabaseUrl(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    if (url.password) url.password = "***";
    return url.toString();
  } catch {
    return "<unparseable DATABASE_URL>";
  }
}
