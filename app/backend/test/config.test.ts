import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, redactDatabaseUrl } from "../src/config.ts";
import { poolSettings } from "../src/db/pool.ts";

const URL_WITH_PASSWORD = "postgres://app:s3cret@db.internal:5432/todo";

describe("loadConfig", () => {
  it("applies defaults", () => {
    expect(loadConfig({ DATABASE_URL: URL_WITH_PASSWORD })).toEqual({
      databaseUrl: URL_WITH_PASSWORD,
      port: 8080,
      host: "0.0.0.0",
      dbPoolMax: 10,
      dbConnectTimeoutMs: 5_000,
      dbStartupRetries: 10,
      readyTimeoutMs: 1_000,
      shutdownTimeoutMs: 10_000,
      shutdownDrainMs: 0,
      logLevel: "info",
    });
  });

  it("reads the shutdown drain the chart sets (SHUTDOWN_DRAIN_MS below SHUTDOWN_TIMEOUT_MS)", () => {
    const config = loadConfig({
      DATABASE_URL: URL_WITH_PASSWORD,
      SHUTDOWN_DRAIN_MS: "5000",
      SHUTDOWN_TIMEOUT_MS: "15000",
    });
    expect(config).toMatchObject({ shutdownDrainMs: 5_000, shutdownTimeoutMs: 15_000 });
  });

  it("reads numbers from strings", () => {
    const config = loadConfig({ DATABASE_URL: URL_WITH_PASSWORD, PORT: "3000", DB_POOL_MAX: "4", LOG_LEVEL: "debug" });
    expect(config).toMatchObject({ port: 3000, dbPoolMax: 4, logLevel: "debug" });
  });

  it.each([
    [{}, "DATABASE_URL is required"],
    [{ DATABASE_URL: "mysql://u:pw@h/db" }, "DATABASE_URL must be a postgres:// or postgresql:// URL"],
    [{ DATABASE_URL: URL_WITH_PASSWORD, PORT: "http" }, "PORT must be integer"],
    [{ DATABASE_URL: URL_WITH_PASSWORD, PORT: "70000" }, "PORT must be <= 65535"],
    [{ DATABASE_URL: URL_WITH_PASSWORD, DB_POOL_MAX: "0" }, "DB_POOL_MAX"],
    [{ DATABASE_URL: URL_WITH_PASSWORD, LOG_LEVEL: "loud" }, "LOG_LEVEL must be one of"],
    [{ DATABASE_URL: URL_WITH_PASSWORD, SHUTDOWN_DRAIN_MS: "-1" }, "SHUTDOWN_DRAIN_MS must be >= 0"],
    [
      { DATABASE_URL: URL_WITH_PASSWORD, SHUTDOWN_DRAIN_MS: "10000" },
      "SHUTDOWN_DRAIN_MS (10000) must be less than SHUTDOWN_TIMEOUT_MS (10000)",
    ],
  ])("rejects %j naming the variable", (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it("never echoes the password of a bad DATABASE_URL", () => {
    expect(() => loadConfig({ DATABASE_URL: "mysql://u:hunter2@h/db" })).toThrow(/^(?!.*hunter2)/s);
  });
});

describe("redactDatabaseUrl", () => {
  it("masks the password and keeps the rest", () => {
    expect(redactDatabaseUrl(URL_WITH_PASSWORD)).toBe("postgres://app:***@db.internal:5432/todo");
  });
});

describe("poolSettings (TLS decision)", () => {
  it.each([
    ["postgres://u:p@127.0.0.1:5432/todo", false],
    ["postgres://u:p@db/todo?sslmode=disable", false],
    ["postgres://u:p@db/todo?sslmode=require", true],
    ["postgres://u:p@db/todo?sslmode=verify-full", true],
    ["postgres://u:p@ep-cool-1234.eu-central-1.aws.neon.tech/neondb", true],
    ["postgres://u:p@ep-cool-1234-pooler.eu-central-1.aws.neon.tech/neondb?sslmode=require", true],
    ["postgres://u:p@ep-cool-1234.us-east-2.aws.neon.build/neondb", true],
    ["postgres://u:p@neon.tech.example.com/todo", false],
  ])("%s → TLS %s", (url, tls) => {
    const settings = poolSettings(url);
    expect(settings.ssl).toEqual(tls ? { rejectUnauthorized: true } : false);
    expect(settings.connectionString).not.toContain("sslmode");
  });
});
