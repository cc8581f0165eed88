// @vitest-environment node
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "./config.ts";

const staticDir = mkdtempSync(join(tmpdir(), "todo-frontend-config-"));
writeFileSync(join(staticDir, "index.html"), "<!doctype html>");
const base = { BACKEND_URL: "http://127.0.0.1:3000", STATIC_DIR: staticDir };

describe("loadConfig", () => {
  it("applies the defaults", () => {
    const config = loadConfig(base);
    expect(config).toMatchObject({ port: 8080, host: "0.0.0.0", logLevel: "info", shutdownTimeoutMs: 10_000 });
    expect(config.shutdownDrainMs).toBe(0);
    expect(config.backendUrl.href).toBe("http://127.0.0.1:3000/");
  });

  it("reads the shutdown drain the chart sets, below SHUTDOWN_TIMEOUT_MS", () => {
    const config = loadConfig({ ...base, SHUTDOWN_DRAIN_MS: "5000", SHUTDOWN_TIMEOUT_MS: "15000" });
    expect([config.shutdownDrainMs, config.shutdownTimeoutMs]).toEqual([5_000, 15_000]);
  });

  it("reads PORT", () => {
    expect(loadConfig({ ...base, PORT: "9090" }).port).toBe(9090);
  });

  it.each([
    [{ BACKEND_URL: undefined }, /BACKEND_URL is not set/],
    [{ BACKEND_URL: "backend:8080/api" }, /BACKEND_URL must use http or https/],
    [{ BACKEND_URL: "not a url" }, /BACKEND_URL must be an absolute http\(s\) URL/],
    [{ PORT: "eighty" }, /PORT must be an integer from 0 to 65535, got "eighty"/],
    [{ PORT: "70000" }, /PORT must be an integer/],
    [{ LOG_LEVEL: "loud" }, /LOG_LEVEL must be one of/],
    [{ STATIC_DIR: "/nonexistent" }, /\/nonexistent has no index.html/],
    [{ SHUTDOWN_DRAIN_MS: "-5" }, /SHUTDOWN_DRAIN_MS must be an integer from 0 to 600000/],
    [{ SHUTDOWN_DRAIN_MS: "10000" }, /SHUTDOWN_DRAIN_MS \(10000\) must be less than SHUTDOWN_TIMEOUT_MS \(10000\)/],
  ])("rejects %o with a message naming the variable", (override, message) => {
    expect(() => loadConfig({ ...base, ...override })).toThrow(message);
  });
});
