// Graceful shutdown over real sockets (no database: a fake pool records when it is ended), in the
// order shutdown.ts promises: readiness flips at the signal, requests are still served during the
// drain (closing their sockets), then the server stops accepting, closes idle keep-alive sockets,
// lets the in-flight request finish, ends the pool, and exits 0.
import { Agent, get, type IncomingHttpHeaders } from "node:http";
import { connect, type Socket } from "node:net";
import type pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { type App, buildApp, KEEP_ALIVE_TIMEOUT_MS, REQUEST_TIMEOUT_MS } from "../src/app.ts";
import { DrainState, gracefulShutdown } from "../src/shutdown.ts";

interface Event {
  what: string;
  at: number;
}

function fakePool(events: Event[], start: number): pg.Pool {
  return {
    query: async () => ({ rows: [{ "?column?": 1 }] }),
    end: async () => {
      events.push({ what: "pool ended", at: Date.now() - start });
    },
  } as unknown as pg.Pool;
}

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

/** Resolves true once a TCP connect to the port is refused. */
async function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code === "ECONNREFUSED"));
  });
}

async function until(condition: () => Promise<boolean> | boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const logger = { info() {}, error() {}, warn() {}, debug() {}, trace() {}, fatal() {}, child: () => logger } as never;

let app: App | undefined;
const releases: (() => void)[] = [];
afterEach(async () => {
  for (const release of releases.splice(0)) release();
  await app?.close().catch(() => {});
  app = undefined;
});

async function startApp(events: Event[], start: number, drain: DrainState) {
  const built = await buildApp({ pool: fakePool(events, start), drain });
  let release: () => void = () => {};
  let started: () => void = () => {};
  const slowStarted = new Promise<void>((resolve) => (started = resolve));
  const counted: string[] = [];
  built.get("/test/slow", async () => {
    started();
    await new Promise<void>((resolve) => {
      release = resolve;
      releases.push(resolve);
    });
    return { done: true };
  });
  // Seen from the server: the in-flight answer is written (the client reads it a moment later).
  built.addHook("onResponse", (request, _reply, done) => {
    if (request.url === "/test/slow") events.push({ what: "in-flight request completed", at: Date.now() - start });
    done();
  });
  built.get("/test/count", async () => {
    counted.push("ran");
    return { ran: counted.length };
  });
  await built.listen({ port: 0, host: "127.0.0.1" });
  app = built;
  const { port } = built.server.address() as { port: number };
  return { app: built, port, slowStarted, counted, release: () => release() };
}

describe("graceful shutdown", () => {
  it("flips readiness first, serves during the drain, then closes idle sockets, finishes in-flight work and ends the pool last", async () => {
    const start = Date.now();
    const events: Event[] = [];
    const note = (what: string) => events.push({ what, at: Date.now() - start });
    const drain = new DrainState();
    const { app: server, port, slowStarted, release } = await startApp(events, start, drain);

    // A kept-alive socket left idle over the whole shutdown.
    const idleAgent = new Agent({ keepAlive: true, maxSockets: 1 });
    const warm = await request(port, "/healthz", idleAgent);
    expect(warm.headers.connection).toBe("keep-alive");
    warm.socket.once("close", () => note("idle socket closed"));
    // A request in flight across the whole shutdown, begun before the signal.
    const inFlight = request(port, "/test/slow");
    await slowStarted;
    expect((await request(port, "/readyz")).status).toBe(200);

    const exits: number[] = [];
    const drainMs = 400;
    const shutdown = gracefulShutdown({
      app: { close: () => server.close(), log: logger },
      drain,
      drainMs,
      timeoutMs: 10_000,
      exit: (code) => {
        exits.push(code);
        note(`exit ${code}`);
      },
    });
    const signalAt = Date.now() - start;
    const done = shutdown("SIGTERM");
    expect(shutdown("SIGTERM")).toBe(done);

    // At once: not ready; still serving, and every answer closes its socket.
    const readiness = await request(port, "/readyz");
    expect([readiness.status, JSON.parse(readiness.body)]).toEqual([503, { status: "shutting down" }]);
    note("readiness 503");
    const keptAlive = new Agent({ keepAlive: true });
    const served = await request(port, "/healthz", keptAlive);
    expect(served.status).toBe(200);
    expect(served.headers.connection).toBe("close");
    note("served during the drain");
    expect(await refused(port)).toBe(false);

    // After the drain: no new connections, the idle socket is closed, the in-flight one is not.
    await until(() => refused(port));
    note("not accepting");
    await until(() => events.some((event) => event.what === "idle socket closed"));
    expect(events.map((event) => event.what)).not.toContain("pool ended");
    release();
    const slow = await inFlight;
    expect(slow.status).toBe(200);
    // It began before the signal; it still closes its socket, so close() need not wait out the
    // keep-alive timeout of that socket.
    expect(slow.headers.connection).toBe("close");
    await done;

    const order = events.map((event) => event.what);
    expect(order.slice(0, 2)).toEqual(["readiness 503", "served during the drain"]);
    // close() begins: the listener stops and the idle socket goes, before the in-flight request ends.
    expect(new Set(order.slice(2, 4))).toEqual(new Set(["not accepting", "idle socket closed"]));
    expect(order.slice(4)).toEqual(["in-flight request completed", "pool ended", "exit 0"]);
    const closedAt = events.find((event) => event.what === "idle socket closed")?.at ?? 0;
    expect(closedAt - signalAt).toBeGreaterThanOrEqual(drainMs - 20);
    expect(exits).toEqual([0]);
    idleAgent.destroy();
    keptAlive.destroy();
  });

  it("does not run a request pipelined behind the in-flight one once close() began (its answer could not be delivered)", async () => {
    const start = Date.now();
    const drain = new DrainState();
    const { app: server, port, slowStarted, counted, release } = await startApp([], start, drain);
    const socket = connect(port, "127.0.0.1");
    let raw = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk) => (raw += chunk));
    const socketClosed = new Promise((resolve) => socket.once("close", resolve));
    socket.write("GET /test/slow HTTP/1.1\r\nHost: test\r\n\r\n");
    await slowStarted;
    const done = gracefulShutdown({
      app: { close: () => server.close(), log: logger },
      drain,
      drainMs: 0,
      timeoutMs: 10_000,
      exit: () => {},
    })("SIGTERM");
    await until(() => refused(port));
    socket.write("GET /test/count HTTP/1.1\r\nHost: test\r\n\r\n");
    await new Promise((resolve) => setTimeout(resolve, 50));
    release();
    await socketClosed;
    await done;
    // The in-flight answer closes the socket, so the pipelined request would be answered into a
    // closed socket: Fastify's return503OnClosing keeps it from running at all.
    expect([...raw.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((match) => Number(match[1]))).toEqual([200]);
    expect(raw).toMatch(/^connection: close$/im);
    expect(counted).toEqual([]);
  });

  it("exits 1 when the drain and close outlast the timeout, counted from the signal", async () => {
    const start = Date.now();
    const events: Event[] = [];
    const drain = new DrainState();
    const { app: server, port, slowStarted } = await startApp(events, start, drain);
    void request(port, "/test/slow").catch(() => {});
    await slowStarted;
    const exits: number[] = [];
    const exited = new Promise<void>((resolve) => {
      void gracefulShutdown({
        app: { close: () => server.close(), log: logger },
        drain,
        drainMs: 100,
        timeoutMs: 300,
        exit: (code) => {
          exits.push(code);
          resolve();
        },
      })("SIGTERM");
    });
    await exited;
    expect(exits).toEqual([1]);
    expect(events.map((event) => event.what)).not.toContain("pool ended");
  });
});

describe("server timeouts", () => {
  it("keeps idle sockets 65 s (longer than the frontend proxy keeps them, test/deploy checks) and bounds requests to 30 s", async () => {
    const built = await buildApp({ pool: fakePool([], Date.now()) });
    app = built;
    await built.ready();
    expect(KEEP_ALIVE_TIMEOUT_MS).toBe(65_000);
    expect(built.server.keepAliveTimeout).toBe(KEEP_ALIVE_TIMEOUT_MS);
    expect(built.server.requestTimeout).toBe(REQUEST_TIMEOUT_MS);
    expect(REQUEST_TIMEOUT_MS).toBe(30_000);
  });
});
