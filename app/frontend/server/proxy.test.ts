// @vitest-environment node
// The /api proxy against real local upstreams that misbehave the way a backend pod going away
// does: a kept-alive socket closed or reset as the next request goes out, a refused connection,
// a 503. GET/HEAD are retried once, nothing else is; errors become short JSON gateway errors.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import {
  Agent,
  createServer,
  get,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildServer, shouldRetryUpstream, UPSTREAM_KEEP_ALIVE_MS, withoutHopByHop } from "./app.ts";

let staticDir: string;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(() => {
  staticDir = mkdtempSync(join(tmpdir(), "todo-frontend-proxy-"));
  writeFileSync(join(staticDir, "index.html"), "<!doctype html>");
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => rmSync(staticDir, { recursive: true, force: true }));

interface Upstream {
  url: string;
  /** Requests that reached the upstream, as "METHOD path". */
  seen: string[];
  /** Times, after its last response, at which each socket closed (ms). */
  closedAfterIdle: number[];
}

/** A real HTTP upstream on loopback; `handle` may answer, or break the socket. */
async function upstream(
  handle: (request: IncomingMessage, response: ServerResponse, reused: boolean) => void,
  keepAliveTimeout = 65_000,
): Promise<Upstream> {
  const seen: string[] = [];
  const closedAfterIdle: number[] = [];
  const lastAnswer = new Map<Socket, number | undefined>();
  const server: Server = createServer((request, response) => {
    seen.push(`${request.method} ${request.url}`);
    const socket = request.socket;
    const reused = lastAnswer.has(socket);
    if (!reused) {
      lastAnswer.set(socket, undefined);
      socket.once("close", () => {
        const answeredAt = lastAnswer.get(socket);
        if (answeredAt !== undefined) closedAfterIdle.push(Date.now() - answeredAt);
      });
    }
    response.on("finish", () => lastAnswer.set(socket, Date.now()));
    request.resume();
    request.on("end", () => handle(request, response, reused));
  });
  // Node sends `Keep-Alive: timeout=<this / 1000>`, the hint undici would follow.
  server.keepAliveTimeout = keepAliveTimeout;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, closedAfterIdle };
}

async function proxyTo(url: string, options: { upstreamKeepAliveMs?: number } = {}): Promise<FastifyInstance> {
  const app = await buildServer({ staticDir, backendUrl: url, ...options });
  cleanups.push(() => app.close());
  return app;
}

/** Lets undici take the upstream socket back into its pool, so the next request reuses it. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

const json = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  response.writeHead(status, { "content-type": "application/json", ...headers });
  response.end(JSON.stringify(body));
};

describe("shouldRetryUpstream (pure)", () => {
  it.each([
    ["GET", "UND_ERR_SOCKET", 0, true],
    ["GET", "ECONNRESET", 0, true],
    ["HEAD", "ECONNREFUSED", 0, true],
    ["GET", "EPIPE", 0, true],
    ["GET", "ECONNRESET", 1, false],
    ["GET", "UND_ERR_HEADERS_TIMEOUT", 0, false],
    ["GET", "ENOTFOUND", 0, false],
    ["POST", "ECONNRESET", 0, false],
    ["PATCH", "UND_ERR_SOCKET", 0, false],
    ["DELETE", "ECONNREFUSED", 0, false],
  ])("%s failing with %s after %i retries → %s", (method, code, retries, expected) => {
    expect(shouldRetryUpstream({ method, error: { code }, retries })).toBe(expected);
  });

  it("never retries a response (a 503 included) or a success", () => {
    expect(shouldRetryUpstream({ method: "GET", error: null, response: { statusCode: 503 }, retries: 0 })).toBe(false);
    expect(shouldRetryUpstream({ method: "GET", error: null, response: { statusCode: 200 }, retries: 0 })).toBe(false);
  });
});

describe("the /api proxy against a real upstream", () => {
  it.each([
    ["closes (FIN)", (socket: Socket) => socket.destroy()],
    ["resets (RST)", (socket: Socket) => socket.resetAndDestroy()],
  ])("retries a GET once when the upstream %s the kept-alive socket it arrives on", async (_how, breakSocket) => {
    const backend = await upstream((request, response, reused) => {
      if (reused) breakSocket(request.socket);
      else json(response, 200, { ok: request.url });
    });
    const app = await proxyTo(backend.url);
    expect((await app.inject({ method: "GET", url: "/api/todos?first" })).statusCode).toBe(200);
    await settle();
    const second = await app.inject({ method: "GET", url: "/api/todos?second" });
    expect(second.statusCode).toBe(200);
    expect(second.json()).toEqual({ ok: "/api/todos?second" });
    // First on the reused socket (broken), then once more on a new one.
    expect(backend.seen).toEqual(["GET /api/todos?first", "GET /api/todos?second", "GET /api/todos?second"]);
  });

  it("never retries a POST: a broken socket answers 502 JSON and the upstream saw it once", async () => {
    const backend = await upstream((request, response, reused) => {
      if (reused) request.socket.resetAndDestroy();
      else json(response, 201, { created: true });
    });
    const app = await proxyTo(backend.url);
    const post = (title: string) =>
      app.inject({
        method: "POST",
        url: "/api/todos",
        payload: { title },
        headers: { "content-type": "application/json" },
      });
    expect((await post("first")).statusCode).toBe(201);
    await settle();
    const second = await post("second");
    expect(second.statusCode).toBe(502);
    expect(second.json()).toEqual({ error: "Bad Gateway", message: "The backend is not answering" });
    expect(backend.seen).toEqual(["POST /api/todos", "POST /api/todos"]);
  });

  it("retries a GET once and then answers 502 JSON when every attempt breaks", async () => {
    const backend = await upstream((request) => request.socket.destroy());
    const app = await proxyTo(backend.url);
    const response = await app.inject({ method: "GET", url: "/api/todos" });
    expect(response.statusCode).toBe(502);
    expect(response.json()).toEqual({ error: "Bad Gateway", message: "The backend is not answering" });
    expect(backend.seen).toEqual(["GET /api/todos", "GET /api/todos"]);
  });

  it("passes the backend's 503 on as it is, without retrying it", async () => {
    const backend = await upstream((_request, response) =>
      json(response, 503, { error: "Service Unavailable", message: "database is not answering" }),
    );
    const app = await proxyTo(backend.url);
    const response = await app.inject({ method: "GET", url: "/api/todos" });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({ error: "Service Unavailable", message: "database is not answering" });
    expect(backend.seen).toEqual(["GET /api/todos"]);
  });

  it("does not pass the backend's hop-by-hop headers (Connection, Keep-Alive) on to the client", async () => {
    const backend = await upstream((_request, response) =>
      json(response, 200, { ok: true }, { connection: "close, x-hop", "x-hop": "1", "x-kept": "yes" }),
    );
    const app = await proxyTo(backend.url);
    // Over a real socket: inject() always reports `connection: close`.
    await app.listen({ port: 0, host: "127.0.0.1" });
    const { port } = app.server.address() as AddressInfo;
    const agent = new Agent({ keepAlive: true });
    cleanups.push(async () => agent.destroy());
    const headers = await new Promise<IncomingHttpHeaders>((resolve, reject) => {
      get({ host: "127.0.0.1", port, path: "/api/todos", agent }, (response) => {
        response.resume();
        response.on("end", () => resolve(response.headers));
      }).on("error", reject);
    });
    expect(headers["x-kept"]).toBe("yes");
    expect(headers["x-hop"]).toBeUndefined();
    // This server's own keep-alive, not the backend's `close`.
    expect(headers.connection).toBe("keep-alive");
    expect(headers["keep-alive"]).toBe("timeout=72");
  });

  it("gives an idle upstream socket up after its own keep-alive, ignoring the backend's 65 s hint", async () => {
    const backend = await upstream((_request, response) => json(response, 200, { ok: true }), 65_000);
    const app = await proxyTo(backend.url, { upstreamKeepAliveMs: 300 });
    expect((await app.inject({ method: "GET", url: "/api/todos" })).statusCode).toBe(200);
    const deadline = Date.now() + 5_000;
    while (backend.closedAfterIdle.length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(backend.closedAfterIdle).toHaveLength(1);
    const [idle] = backend.closedAfterIdle as [number];
    expect(idle).toBeGreaterThanOrEqual(250);
    expect(idle).toBeLessThan(2_000);
    expect(UPSTREAM_KEEP_ALIVE_MS).toBe(4_000);
  });
});

describe("withoutHopByHop (pure)", () => {
  it("drops Connection, Keep-Alive and the headers Connection names; keeps the rest", () => {
    expect(
      withoutHopByHop({
        connection: "keep-alive, X-Private",
        "keep-alive": "timeout=65",
        "x-private": "1",
        "content-type": "application/json",
        "x-request-id": "a",
      }),
    ).toEqual({ "content-type": "application/json", "x-request-id": "a" });
  });
});
