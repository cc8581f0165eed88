// @vitest-environment node
// Graceful shutdown of the frontend server over real sockets, in the order shutdown.ts promises:
// readiness flips at the signal, pages and proxied calls are still served during the drain (each
// closing its socket), then the server stops accepting, closes idle keep-alive sockets and lets
// the in-flight proxied call finish before it exits 0.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { Agent, createServer, get, type IncomingHttpHeaders, type Server } from "node:http";
import { type AddressInfo, connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildServer } from "./app.ts";
import { DrainState, gracefulShutdown } from "./shutdown.ts";

let staticDir: string;
let upstream: Server;
let upstreamUrl: string;
const releases: (() => void)[] = [];
let slowStarted: () => void = () => {};
let app: FastifyInstance | undefined;

beforeAll(async () => {
  staticDir = mkdtempSync(join(tmpdir(), "todo-frontend-shutdown-"));
  writeFileSync(join(staticDir, "index.html"), "<!doctype html><title>todo</title>");
  // The backend: /api/slow answers when the test says so, everything else at once.
  upstream = createServer((request, response) => {
    const answer = () => {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ url: request.url }));
    };
    if (request.url === "/api/slow") {
      releases.push(answer);
      slowStarted();
    } else answer();
  });
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});
afterEach(async () => {
  for (const release of releases.splice(0)) release();
  await app?.close();
  app = undefined;
});
afterAll(async () => {
  upstream.closeAllConnections();
  await new Promise((resolve) => upstream.close(resolve));
  rmSync(staticDir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  socket: Socket;
}

function request(port: number, path: string, agent: Agent | false = false): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = get({ host: "127.0.0.1", port, path, agent }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, socket: req.socket as Socket }),
      );
    });
    req.on("error", reject);
  });
}

const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code === "ECONNREFUSED"));
  });

async function until(condition: () => Promise<boolean> | boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("frontend graceful shutdown", () => {
  it("flips readiness first, serves pages and proxied calls during the drain, then closes idle sockets and finishes the in-flight call", async () => {
    const events: string[] = [];
    const drain = new DrainState();
    const server = await buildServer({ staticDir, backendUrl: upstreamUrl, drain });
    app = server;
    server.addHook("onResponse", (request, _reply, done) => {
      if (request.url === "/api/slow") events.push("in-flight proxied call completed");
      done();
    });
    await server.listen({ port: 0, host: "127.0.0.1" });
    const { port } = server.server.address() as AddressInfo;

    const idleAgent = new Agent({ keepAlive: true, maxSockets: 1 });
    const warm = await request(port, "/", idleAgent);
    expect([warm.status, warm.headers.connection]).toEqual([200, "keep-alive"]);
    warm.socket.once("close", () => events.push("idle socket closed"));
    const started = new Promise<void>((resolve) => (slowStarted = resolve));
    const inFlight = request(port, "/api/slow");
    await started;

    const exits: number[] = [];
    const drainMs = 300;
    const done = gracefulShutdown({ app: server, drain, drainMs, timeoutMs: 10_000, exit: (code) => exits.push(code) })(
      "SIGTERM",
    );

    const readiness = await request(port, "/readyz");
    expect([readiness.status, JSON.parse(readiness.body)]).toEqual([
      503,
      { status: "not ready", reason: "shutting down" },
    ]);
    events.push("readiness 503");
    for (const path of ["/", "/api/todos"]) {
      const served = await request(port, path);
      expect([path, served.status, served.headers.connection]).toEqual([path, 200, "close"]);
    }
    events.push("served during the drain");
    expect(events).not.toContain("idle socket closed");

    await until(() => refused(port));
    events.push("not accepting");
    await until(() => events.includes("idle socket closed"));
    for (const release of releases.splice(0)) release();
    const slow = await inFlight;
    expect([slow.status, JSON.parse(slow.body), slow.headers.connection]).toEqual([200, { url: "/api/slow" }, "close"]);
    await done;
    events.push(`exit ${exits.join()}`);

    expect(events.slice(0, 2)).toEqual(["readiness 503", "served during the drain"]);
    expect(new Set(events.slice(2, 4))).toEqual(new Set(["not accepting", "idle socket closed"]));
    expect(events.slice(4)).toEqual(["in-flight proxied call completed", "exit 0"]);
    idleAgent.destroy();
    app = undefined;
  });

  it("exits 1 when the drain and close outlast the timeout", async () => {
    const drain = new DrainState();
    const server = await buildServer({ staticDir, backendUrl: upstreamUrl, drain });
    app = server;
    await server.listen({ port: 0, host: "127.0.0.1" });
    const { port } = server.server.address() as AddressInfo;
    const started = new Promise<void>((resolve) => (slowStarted = resolve));
    void request(port, "/api/slow").catch(() => {});
    await started;
    const code = await new Promise<number>((resolve) => {
      void gracefulShutdown({ app: server, drain, drainMs: 50, timeoutMs: 250, exit: resolve })("SIGTERM");
    });
    expect(code).toBe(1);
  });
});
