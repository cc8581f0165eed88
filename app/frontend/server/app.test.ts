// @vitest-environment node
// The production server through app.inject(), proxying to a fake upstream on loopback that
// echoes what it received, so each test can see exactly what the backend would get.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { precompress } from "../precompress.mjs";
import { buildServer, isSpaRoute } from "./app.ts";
import { CONTENT_SECURITY_POLICY, IMMUTABLE } from "./headers.ts";

const INDEX_HTML = '<!doctype html><div id="root"></div><script type="module" src="/assets/index-abc123.js"></script>';

let staticDir: string;
let upstream: Server;
let app: FastifyInstance;

function startFakeUpstream(): Promise<Server> {
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      const status = request.url?.startsWith("/api/todos/missing") ? 404 : 200;
      response.writeHead(status, { "content-type": "application/json", "x-upstream": "fake" });
      response.end(JSON.stringify({ method: request.method, url: request.url, headers: request.headers, body }));
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

beforeAll(async () => {
  staticDir = mkdtempSync(join(tmpdir(), "todo-frontend-static-"));
  mkdirSync(join(staticDir, "assets"));
  writeFileSync(join(staticDir, "index.html"), INDEX_HTML);
  writeFileSync(join(staticDir, "assets", "index-abc123.js"), "console.log('app')");
  writeFileSync(join(staticDir, "favicon.svg"), "<svg></svg>");
  upstream = await startFakeUpstream();
  const { port } = upstream.address() as AddressInfo;
  app = await buildServer({ staticDir, backendUrl: `http://127.0.0.1:${port}` });
});

afterAll(async () => {
  await app?.close();
  await new Promise((resolve) => upstream?.close(resolve));
  rmSync(staticDir, { recursive: true, force: true });
});

describe("frontend server", () => {
  it("answers /healthz", async () => {
    const response = await app.inject({ method: "GET", url: "/healthz" });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: "ok" });
    expect(response.headers["cache-control"]).toBe("no-store");
  });

  it("answers /readyz while index.html can be served, and 503 without it", async () => {
    const ready = await app.inject({ method: "GET", url: "/readyz" });
    expect(ready.statusCode).toBe(200);
    expect(ready.headers["cache-control"]).toBe("no-store");
    const emptyDir = mkdtempSync(join(tmpdir(), "frontend-empty-"));
    const bare = await buildServer({ staticDir: emptyDir, backendUrl: "http://127.0.0.1:9" });
    try {
      const notReady = await bare.inject({ method: "GET", url: "/readyz" });
      expect(notReady.statusCode).toBe(503);
      expect(notReady.json().reason).toContain("index.html");
    } finally {
      await bare.close();
      rmSync(emptyDir, { recursive: true, force: true });
    }
  });

  it("proxies a GET with its query to the same /api path on the backend", async () => {
    const response = await app.inject({
      method: "GET",
      url: "/api/todos?status=active&limit=5",
      headers: { "x-request-id": "req-123" },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers["x-upstream"]).toBe("fake");
    const seen = response.json();
    expect(seen).toMatchObject({ method: "GET", url: "/api/todos?status=active&limit=5" });
    expect(seen.headers["x-request-id"]).toBe("req-123");
    expect(seen.headers["x-forwarded-for"]).toBeTruthy();
  });

  it("proxies POST, PATCH and DELETE with their bodies untouched", async () => {
    for (const method of ["POST", "PATCH", "DELETE"] as const) {
      const payload = method === "DELETE" ? undefined : '{"title":"Buy milk"}';
      const response = await app.inject({
        method,
        url: "/api/todos/4b1f",
        payload,
        headers: payload ? { "content-type": "application/json" } : {},
      });
      expect(response.statusCode, method).toBe(200);
      expect(response.json(), method).toMatchObject({ method, url: "/api/todos/4b1f", body: payload ?? "" });
    }
  });

  it("passes the backend's status through (404 stays 404)", async () => {
    const response = await app.inject({ method: "GET", url: "/api/todos/missing" });
    expect(response.statusCode).toBe(404);
  });

  it("answers 502 Bad Gateway, not index.html, when the backend is down", async () => {
    const dead = await buildServer({ staticDir, backendUrl: "http://127.0.0.1:1" });
    try {
      const response = await dead.inject({ method: "GET", url: "/api/todos" });
      expect(response.statusCode).toBe(502);
      expect(response.json()).toEqual({ error: "Bad Gateway", message: "The backend is not answering" });
    } finally {
      await dead.close();
    }
  });

  it("serves index.html at / with no-cache and the security headers", async () => {
    const response = await app.inject({ method: "GET", url: "/" });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe(INDEX_HTML);
    expect(response.headers["cache-control"]).toBe("no-cache");
    expect(response.headers["content-security-policy"]).toBe(CONTENT_SECURITY_POLICY);
    expect(response.headers["x-content-type-options"]).toBe("nosniff");
    expect(response.headers["x-frame-options"]).toBe("DENY");
    expect(response.headers["referrer-policy"]).toBe("no-referrer");
  });

  it("caches hashed assets for a year as immutable", async () => {
    const response = await app.inject({ method: "GET", url: "/assets/index-abc123.js" });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toMatch(/javascript/);
    expect(response.headers["cache-control"]).toBe(IMMUTABLE);
  });

  it("caches unhashed public files only briefly", async () => {
    const response = await app.inject({ method: "GET", url: "/favicon.svg" });
    expect(response.statusCode).toBe(200);
    expect(response.headers["cache-control"]).toBe("public, max-age=3600");
  });

  it("falls back to index.html for client-side routes", async () => {
    const response = await app.inject({ method: "GET", url: "/todos/active?x=1" });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe(INDEX_HTML);
    expect(response.headers["cache-control"]).toBe("no-cache");
  });

  it("keeps a missing asset a 404 instead of serving index.html", async () => {
    const response = await app.inject({ method: "GET", url: "/assets/index-gone.js" });
    expect(response.statusCode).toBe(404);
    expect(response.body).not.toContain('<div id="root">');
    expect(response.headers["content-security-policy"]).toBe(CONTENT_SECURITY_POLICY);
  });
});

describe("precompressed assets (the build's .br/.gz copies)", () => {
  const bigScript = `${"export const todo = (title) => ({ title, completed: false });\n".repeat(400)}`;
  const bigIndex = `${INDEX_HTML}<!--${" padding".repeat(300)} -->`;
  let dir: string;
  let server: FastifyInstance;
  let written: string[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "todo-frontend-precompressed-"));
    mkdirSync(join(dir, "assets"));
    writeFileSync(join(dir, "index.html"), bigIndex);
    writeFileSync(join(dir, "assets", "index-big.js"), bigScript);
    writeFileSync(join(dir, "favicon.svg"), "<svg></svg>");
    written = precompress(dir);
    server = await buildServer({ staticDir: dir, backendUrl: "http://127.0.0.1:9" });
  });

  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("writes .br and .gz beside large text files only", () => {
    expect([...written].sort()).toEqual([
      "assets/index-big.js.br",
      "assets/index-big.js.gz",
      "index.html.br",
      "index.html.gz",
    ]);
  });

  it("serves Brotli to a browser that accepts it, varying on Accept-Encoding, cached like the asset", async () => {
    const response = await server.inject({
      method: "GET",
      url: "/assets/index-big.js",
      headers: { "accept-encoding": "gzip, deflate, br" },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-encoding"]).toBe("br");
    expect(response.headers["content-type"]).toMatch(/javascript/);
    expect(response.headers.vary).toMatch(/accept-encoding/i);
    expect(response.headers["cache-control"]).toBe(IMMUTABLE);
    expect(response.rawPayload.length).toBeLessThan(bigScript.length / 5);
    expect(brotliDecompressSync(response.rawPayload).toString()).toBe(bigScript);
  });

  it("serves gzip when only gzip is accepted, and the plain file when nothing is", async () => {
    const gzip = await server.inject({
      method: "GET",
      url: "/assets/index-big.js",
      headers: { "accept-encoding": "gzip" },
    });
    expect(gzip.headers["content-encoding"]).toBe("gzip");
    expect(gunzipSync(gzip.rawPayload).toString()).toBe(bigScript);
    const plain = await server.inject({
      method: "GET",
      url: "/assets/index-big.js",
      headers: { "accept-encoding": "" },
    });
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(plain.body).toBe(bigScript);
  });

  it("keeps index.html revalidated when it is sent compressed", async () => {
    const response = await server.inject({ method: "GET", url: "/", headers: { "accept-encoding": "br" } });
    expect(response.headers["content-encoding"]).toBe("br");
    expect(response.headers["cache-control"]).toBe("no-cache");
    expect(brotliDecompressSync(response.rawPayload).toString()).toBe(bigIndex);
  });
});

describe("isSpaRoute", () => {
  it.each([
    ["GET", "/", true],
    ["GET", "/completed", true],
    ["HEAD", "/a/b?c=d.e", true],
    ["POST", "/completed", false],
    ["GET", "/api", false],
    ["GET", "/api/todos", false],
    ["GET", "/assets/x", false],
    ["GET", "/robots.txt", false],
  ])("%s %s → %s", (method, url, expected) => {
    expect(isSpaRoute(method, url)).toBe(expected);
  });
});
