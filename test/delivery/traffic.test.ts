// The traffic harness of the real e2e's windows (scripts/local-cluster/traffic.ts): the report's
// pure functions on hand-built records, then the load client against a server on loopback that
// answers like the backend and, in phases, destroys sockets, answers 503, hangs and forgets a write.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";

import { podLine, relativeTimeline } from "../../scripts/local-cluster/pod-timeline";
import { listAllTodos, measureWindow, mixCycle, startTraffic } from "../../scripts/local-cluster/traffic";
import { startTrafficProcess } from "../../scripts/local-cluster/traffic-process";
import {
  checkWrites,
  classifyError,
  failureBursts,
  formatWindow,
  outageProblems,
  percentile,
  type RequestRecord,
  summarizeWindow,
  windowProblems,
} from "../../scripts/local-cluster/traffic-report";

const ok = (startMs: number, durationMs: number, status = 200): RequestRecord => ({
  kind: "list",
  startMs,
  durationMs,
  status,
});
const failed = (startMs: number, durationMs: number, error: string): RequestRecord => ({
  kind: "list",
  startMs,
  durationMs,
  error,
});

describe("summarizeWindow", () => {
  const records: RequestRecord[] = [
    ok(0, 10),
    ok(20, 5, 201),
    { kind: "create", startMs: 40, durationMs: 3, status: 503 },
    { kind: "list", startMs: 50, durationMs: 4, status: 502 },
    { kind: "list", startMs: 55, durationMs: 4, status: 502 },
    failed(60, 1, "ECONNREFUSED"),
    failed(70, 2, "ECONNRESET"),
    failed(80, 1000, "timeout"),
    // The body was cut off after a 200: a connection error, not a success.
    { kind: "page", startMs: 90, durationMs: 6, status: 200, error: "UND_ERR_SOCKET" },
    ok(300, 20),
    ok(400, 30),
  ];

  it("counts successes, non-2xx by code and connection errors by code", () => {
    const summary = summarizeWindow(records);
    expect(summary.requests).toBe(11);
    expect(summary.ok).toBe(4);
    expect(summary.nonOk).toEqual({ "502": 2, "503": 1 });
    expect(summary.connectionErrors).toEqual({ ECONNREFUSED: 1, ECONNRESET: 1, timeout: 1, UND_ERR_SOCKET: 1 });
    expect(summary.failed).toBe(7);
    expect(summary.shed).toBe(0);
  });

  it("measures the longest gap between two successful answers by their completion times", () => {
    // Successes complete at 10, 25, 320, 430: the gap is 320 - 25.
    expect(summarizeWindow(records).longestGapMs).toBe(295);
  });

  it("counts the window's edges as answers when its length is known", () => {
    expect(summarizeWindow(records, { durationMs: 1000 }).longestGapMs).toBe(570);
    expect(summarizeWindow([ok(0, 10)], { durationMs: 50 }).longestGapMs).toBe(40);
    expect(summarizeWindow([failed(0, 1, "ECONNREFUSED")], { durationMs: 800 }).longestGapMs).toBe(800);
  });

  it("takes p50 and p99 over requests that got an answer, any status, nearest rank", () => {
    const summary = summarizeWindow(records);
    // Answered durations: 3, 4, 4, 5, 10, 20, 30 (the timeout and the cut-off body are out).
    expect(summary.p50Ms).toBe(5);
    expect(summary.p99Ms).toBe(30);
    const many = Array.from({ length: 200 }, (_, i) => ok(i, i + 1));
    expect(summarizeWindow(many).p50Ms).toBe(100);
    expect(summarizeWindow(many).p99Ms).toBe(198);
    expect(summarizeWindow([]).p50Ms).toBeNull();
  });

  it("carries the shed ticks, the duration and the client's stall", () => {
    expect(summarizeWindow([ok(0, 1)], { shed: 3, durationMs: 2000, clientStallMaxMs: 12 })).toMatchObject({
      shed: 3,
      durationMs: 2000,
      clientStallMaxMs: 12,
    });
  });

  it("percentile is nearest rank", () => {
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(percentile([1, 2, 3, 4], 0.75)).toBe(3);
    expect(percentile([7], 0.99)).toBe(7);
  });
});

describe("checkWrites", () => {
  it("names titles answered 201 that the list lacks, and titles listed twice", () => {
    const listed = [{ title: "a" }, { title: "b" }, { title: "b" }, { title: "other" }, { title: "other" }];
    expect(checkWrites(["a", "b", "c"], listed)).toEqual({ acknowledged: 3, lost: ["c"], duplicated: ["b"] });
  });

  it("counts a duplicate of a sent but unacknowledged title, and ignores titles it did not send", () => {
    const listed = [{ title: "a" }, { title: "retried" }, { title: "retried" }, { title: "x" }, { title: "x" }];
    expect(checkWrites(["a"], listed, ["a", "retried"])).toEqual({
      acknowledged: 1,
      lost: [],
      duplicated: ["retried"],
    });
  });

  it("is clean when every acknowledged title is listed once", () => {
    expect(checkWrites(["a", "b"], [{ title: "b" }, { title: "a" }])).toEqual({
      acknowledged: 2,
      lost: [],
      duplicated: [],
    });
  });
});

describe("formatWindow and windowProblems", () => {
  it("writes one paragraph with every figure", () => {
    const summary = summarizeWindow(
      [
        ok(0, 5),
        ok(10, 7),
        failed(30, 1, "ECONNRESET"),
        { kind: "create", startMs: 20, durationMs: 2, status: 503, detail: '{"message":"database unavailable"}' },
      ],
      { durationMs: 2000, shed: 2, clientStallMaxMs: 11.6 },
    );
    const line = formatWindow("window 1: one-file backend pulumi up", summary, {
      acknowledged: 1200,
      lost: ["t1", "t2", "t3", "t4"],
      duplicated: [],
    });
    expect(line).toBe(
      "window 1: one-file backend pulumi up: 4 requests in 2.0 s (2.0/s): 2 ok, 2 failed (503 × 1, ECONNRESET × 1); " +
        'failed by request create × 1, list × 1, the first create at 0.0 s: 503 {"message":"database unavailable"}; ' +
        "2 not sent (in-flight cap reached); longest gap between successes 1,983 ms; p50 5 ms, p99 7 ms; " +
        'writes: 1,200 acknowledged, 4 lost ("t1", "t2", "t3", …), 0 duplicated; client event-loop stall max 12 ms.',
    );
    expect(line).not.toContain("\n");
  });

  it("leaves out what it does not know", () => {
    const line = formatWindow("w", summarizeWindow([ok(0, 5)]));
    expect(line).toBe("w: 1 requests: 1 ok, 0 failed; longest gap between successes 0 ms; p50 5 ms, p99 5 ms.");
  });

  it("windowProblems is empty only for a clean window", () => {
    const clean = summarizeWindow([ok(0, 5)]);
    expect(windowProblems(clean, { acknowledged: 1, lost: [], duplicated: [] })).toEqual([]);
    expect(windowProblems(summarizeWindow([ok(0, 5), failed(1, 1, "timeout")]))).toEqual(["1 failed requests"]);
    expect(windowProblems(clean, { acknowledged: 1, lost: ["a"], duplicated: ["b"] })).toEqual([
      "1 lost writes",
      "1 duplicated writes",
    ]);
    expect(windowProblems(summarizeWindow([], { shed: 1 }))).toEqual([
      "1 requests not sent (in-flight cap)",
      "no requests sent",
    ]);
  });

  it("the API's gap counts only list and create answers: an API outage shows while the page keeps answering", () => {
    const page = (startMs: number): RequestRecord => ({ kind: "page", startMs, durationMs: 5, status: 200 });
    const records = [ok(0, 5), page(500), ok(600, 5, 503), page(1_000), page(1_500), ok(2_000, 5)];
    const summary = summarizeWindow(records);
    expect(summary.longestGapMs).toBe(500);
    expect(summary.longestApiGapMs).toBe(2_000);
    expect(formatWindow("w", summary)).toContain("longest gap between successes 500 ms (API 2,000 ms)");
    expect(outageProblems(summary, undefined, 1_000)).toEqual(["no API success for 2.0 s (bound 1 s)"]);
  });

  it("outageProblems admits clean 502/503s within the gap bound, and nothing else", () => {
    const writes = { acknowledged: 1, lost: [], duplicated: [] };
    const outage = summarizeWindow([ok(0, 5), ok(10, 5, 503), ok(20, 5, 502), ok(3_000, 5)]);
    expect(outageProblems(outage, writes, 10_000)).toEqual([]);
    expect(outageProblems(outage, writes, 1_000)).toEqual(["no API success for 3.0 s (bound 1 s)"]);
    const unclean = summarizeWindow([ok(0, 5), ok(10, 5, 500), failed(20, 5, "ECONNRESET"), ok(30, 5)]);
    expect(outageProblems(unclean, { acknowledged: 1, lost: ["a"], duplicated: [] }, 10_000)).toEqual([
      "1 × 500 (only 502/503 are clean)",
      "1 × ECONNRESET (no complete answer)",
      "1 lost writes",
    ]);
    expect(outageProblems(summarizeWindow([]), undefined, 10_000)).toEqual(["no requests sent"]);
  });
});

describe("failureBursts and relativeTimeline", () => {
  it("groups failures that start less than the gap apart, by kind and outcome, with the slowest", () => {
    const records: RequestRecord[] = [
      ok(0, 5),
      failed(2_000, 5_000, "timeout"),
      failed(2_300, 4_000, "timeout"),
      { kind: "create", startMs: 2_900, durationMs: 12, status: 502 },
      ok(3_000, 5),
      failed(9_000, 1, "ECONNREFUSED"),
    ];
    expect(failureBursts(records)).toEqual([
      "2.0–2.9 s: list timeout × 2, create 502 × 1 (slowest 5,000 ms)",
      "9.0 s: list ECONNREFUSED × 1 (slowest 1 ms)",
    ]);
  });

  it("is empty for a clean window and caps the number of bursts it lists", () => {
    expect(failureBursts([ok(0, 1), ok(10, 1)])).toEqual([]);
    const spread = [0, 2_000, 4_000].map((start) => failed(start, 1, "ECONNRESET"));
    expect(failureBursts(spread, 1_000, 2)).toEqual([
      "0.0 s: list ECONNRESET × 1 (slowest 1 ms)",
      "2.0 s: list ECONNRESET × 1 (slowest 1 ms)",
      "… 1 more bursts",
    ]);
  });

  it("podLine keeps name, phase and readiness, and names a terminating pod's deletion time", () => {
    expect(podLine("todo-backend-a Running ready=True deleting=")).toBe("todo-backend-a Running ready=True");
    expect(podLine("todo-backend-b Pending ready= deleting=")).toBe("todo-backend-b Pending");
    expect(podLine("todo-backend-a Running ready=False deleting=2026-12-07T19:58:11Z")).toBe(
      "todo-backend-a Running ready=False terminating since 2026-12-07T19:58:11Z",
    );
    expect(podLine("todo-backend-b Pending ready= deleting=2026-12-07T19:58:11Z")).toBe(
      "todo-backend-b Pending terminating since 2026-12-07T19:58:11Z",
    );
  });

  it("relativeTimeline puts the pod watch's lines in seconds of the window, the earlier listing at 0 s", () => {
    const lines = [
      { atEpochMs: 9_500, text: "todo-backend-a Running ready=True" },
      { atEpochMs: 12_250, text: "todo-backend-a Running ready=False terminating since 2026-12-07T19:58:11Z" },
    ];
    expect(relativeTimeline(lines, 10_000)).toEqual([
      "0.0 s todo-backend-a Running ready=True",
      "2.3 s todo-backend-a Running ready=False terminating since 2026-12-07T19:58:11Z",
    ]);
  });
});

describe("classifyError", () => {
  const fetchFailed = (cause: object) => Object.assign(new TypeError("fetch failed"), { cause });
  it.each([
    [
      fetchFailed(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" })),
      "ECONNREFUSED",
    ],
    [fetchFailed(Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" })), "ECONNRESET"],
    [fetchFailed(Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" })), "UND_ERR_SOCKET"],
    [new Error("socket hang up"), "UND_ERR_SOCKET"],
    [new DOMException("The operation was aborted due to timeout", "TimeoutError"), "timeout"],
    [fetchFailed(Object.assign(new Error("Headers Timeout Error"), { code: "UND_ERR_HEADERS_TIMEOUT" })), "timeout"],
    [fetchFailed(Object.assign(new Error("getaddrinfo ENOTFOUND x"), { code: "ENOTFOUND" })), "ENOTFOUND"],
    [new Error("something else"), "UNKNOWN"],
  ])("%s is %s", (error, code) => {
    expect(classifyError(error).error).toBe(code);
  });

  it("keeps the message chain as the detail", () => {
    const error = fetchFailed(Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" }));
    expect(classifyError(error).detail).toBe("fetch failed <- other side closed");
  });
});

describe("mixCycle", () => {
  it("interleaves the kinds in the mix's proportions", () => {
    expect(mixCycle({ list: 3, create: 1, page: 1 })).toEqual(["list", "create", "list", "page", "list"]);
    expect(mixCycle({ create: 1 })).toEqual(["create"]);
    expect(() => mixCycle({ list: 0 })).toThrow(/positive integer/);
  });
});

/** What the fake backend did with each request it received, and when (performance.now()). */
type Action = "ok" | "destroy" | "503" | "hang" | "forgot" | "stored twice";

/**
 * A loopback server that answers like the backend behind the frontend (GET/POST /api/todos with
 * keyset-style pages of at most 7, GET / with the app's HTML), misbehaving in phases of time.
 */
async function fakeBackend(phase: (elapsedMs: number) => "ok" | "destroy" | "503" | "hang") {
  const t0 = performance.now();
  const todos: { id: string; title: string }[] = [];
  const log: { atMs: number; action: Action; method: string; url: string }[] = [];
  const postedTitles: string[] = [];
  let posts = 0;
  const hung: ServerResponse[] = [];
  const answer = (res: ServerResponse, status: number, body: unknown, type = "application/json") => {
    res.writeHead(status, { "content-type": type });
    res.end(typeof body === "string" ? body : JSON.stringify(body));
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const now = performance.now() - t0;
    const mode = phase(now);
    const record = (action: Action) =>
      log.push({ atMs: performance.now() - t0, action, method: req.method ?? "", url: req.url ?? "" });
    if (mode === "destroy") {
      record("destroy");
      req.socket.destroy();
      return;
    }
    if (mode === "hang") {
      record("hang");
      hung.push(res);
      return;
    }
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      if (mode === "503") {
        record("503");
        return answer(res, 503, { error: "Service Unavailable", message: "database unavailable" });
      }
      const url = new URL(req.url ?? "/", "http://x");
      if (req.method === "GET" && url.pathname === "/") {
        record("ok");
        return answer(res, 200, '<!doctype html><div id="root"></div>', "text/html");
      }
      if (url.pathname !== "/api/todos") return answer(res, 404, { error: "Not Found", message: url.pathname });
      if (req.method === "GET") {
        record("ok");
        const offset = Number(url.searchParams.get("cursor") ?? 0);
        const limit = Math.min(7, Number(url.searchParams.get("limit") ?? 20));
        const items = todos.slice(offset, offset + limit);
        const nextCursor = offset + limit < todos.length ? String(offset + limit) : null;
        return answer(res, 200, { items, nextCursor });
      }
      const { title } = JSON.parse(body) as { title?: unknown };
      if (typeof title !== "string" || !/\S/.test(title))
        return answer(res, 400, { error: "Bad Request", message: "body.title must not be blank" });
      posts++;
      postedTitles.push(title);
      const todo = { id: String(posts), title };
      // The third write is acknowledged but never stored; the fifth is stored twice.
      if (posts === 3) record("forgot");
      else {
        todos.unshift(todo);
        if (posts === 5) todos.unshift({ ...todo, id: "dup" });
        record(posts === 5 ? "stored twice" : "ok");
      }
      answer(res, 201, todo);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    todos,
    postedTitles,
    close: () => {
      for (const res of hung) res.destroy();
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe("startTraffic against a misbehaving backend on loopback", () => {
  const servers: { close: () => Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  it("records every failure by kind, the outage's gap and a lost write, at a steady open-loop rate", async () => {
    // 0–600 ms fine, 600–1,000 sockets destroyed, 1,000–1,300 503s, 1,300–1,500 no answer, then fine.
    const backend = await fakeBackend((ms) =>
      ms < 600 ? "ok" : ms < 1000 ? "destroy" : ms < 1300 ? "503" : ms < 1500 ? "hang" : "ok",
    );
    servers.push(backend);
    const lines: string[] = [];
    const { report, result } = await measureWindow(
      "loopback window",
      { baseUrl: backend.url, ratePerSecond: 50, requestTimeoutMs: 250, mix: { list: 3, create: 1, page: 1 } },
      () => sleep(2000).then(() => "done"),
      (line) => lines.push(line),
    );
    expect(result).toBe("done");
    const { summary, writes } = report;
    // The harness's own requests carry no query; listAllTodos's pages do.
    const received = backend.log.filter((entry) => !entry.url.includes("?"));
    const did = (action: Action) => received.filter((entry) => entry.action === action).length;

    // Open loop: 50/s over the window's measured length (a loaded machine's late timer stretches it),
    // although the hang phase held requests for 250 ms each.
    const duration = summary.durationMs ?? Number.NaN;
    const due = (50 * duration) / 1000;
    expect(duration).toBeGreaterThanOrEqual(1990);
    expect(summary.requests).toBeGreaterThanOrEqual(Math.floor(due) - 5);
    expect(summary.requests).toBeLessThanOrEqual(Math.ceil(due) + 2);
    expect(summary.shed).toBe(0);
    // Each received request is one record; the client's counts match what the server did.
    expect(received.length).toBe(summary.requests);
    expect(backend.log.length - received.length).toBe(Math.ceil(backend.todos.length / 7));
    expect(did("destroy")).toBeGreaterThan(5);
    expect(did("503")).toBeGreaterThan(5);
    expect(did("hang")).toBeGreaterThan(3);
    expect(summary.nonOk).toEqual({ "503": did("503") });
    expect(summary.connectionErrors.timeout).toBe(did("hang"));
    const socketErrors = (summary.connectionErrors.UND_ERR_SOCKET ?? 0) + (summary.connectionErrors.ECONNRESET ?? 0);
    expect(socketErrors).toBe(did("destroy"));
    expect(Object.keys(summary.connectionErrors).sort()).toEqual(
      ["timeout", ...(summary.connectionErrors.ECONNRESET ? ["ECONNRESET"] : []), "UND_ERR_SOCKET"].sort(),
    );
    expect(summary.ok).toBe(did("ok") + did("forgot") + did("stored twice"));
    expect(summary.failed).toBe(did("destroy") + did("503") + did("hang"));

    // No success between 600 and 1,500 ms on the server: the client's gap is that, give or take.
    const served = received.filter((entry) => ["ok", "forgot", "stored twice"].includes(entry.action));
    let serverGap = 0;
    for (let i = 1; i < served.length; i++)
      serverGap = Math.max(serverGap, (served[i]?.atMs ?? 0) - (served[i - 1]?.atMs ?? 0));
    expect(serverGap).toBeGreaterThanOrEqual(880);
    expect(summary.longestGapMs).toBeGreaterThanOrEqual(850);
    expect(Math.abs(summary.longestGapMs - serverGap)).toBeLessThan(150);
    expect(summary.p50Ms).not.toBeNull();

    // Writes: unique titles, the forgotten one lost, the one stored twice duplicated.
    expect(new Set(backend.postedTitles).size).toBe(backend.postedTitles.length);
    expect(backend.postedTitles.length).toBeGreaterThan(10);
    expect(writes.acknowledged).toBe(backend.postedTitles.length);
    expect(writes.lost).toEqual([backend.postedTitles[2]]);
    expect(writes.duplicated).toEqual([backend.postedTitles[4]]);
    expect((await listAllTodos(backend.url)).length).toBe(backend.todos.length);

    expect(lines).toEqual([report.line]);
    expect(report.line).toMatch(/^loopback window: \d+ requests in 2\.\d s .*503 × \d+.*timeout × \d+/);
    expect(report.line).toContain("1 lost");
  }, 10_000);

  it("counts ECONNREFUSED when nothing listens, and never acknowledges a write", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const traffic = startTraffic({ baseUrl: `http://127.0.0.1:${port}/`, ratePerSecond: 20, requestTimeoutMs: 500 });
    await sleep(300);
    const window = await traffic.stop();
    const summary = summarizeWindow(window.records, window);
    expect(summary.requests).toBeGreaterThanOrEqual(5);
    expect(summary.connectionErrors).toEqual({ ECONNREFUSED: summary.requests });
    expect(summary.ok).toBe(0);
    expect(summary.longestGapMs).toBe(summary.durationMs);
    expect(window.acknowledgedTitles).toEqual([]);
    expect(window.sentTitles.length).toBeGreaterThan(0);
    expect(await traffic.stop()).toBe(window);
  });

  it("startTrafficProcess keeps sending at its rate while this process's event loop is blocked", async () => {
    const backend = await fakeBackend(() => "ok");
    servers.push(backend);
    const traffic = await startTrafficProcess({ baseUrl: backend.url, ratePerSecond: 50, mix: { list: 1 } });
    const until = Date.now() + 1500;
    while (Date.now() < until); // what an execFileSync of kubectl does to the e2e's own event loop
    await sleep(200);
    const window = await traffic.stop();
    const starts = window.records.map((record) => record.startMs);
    const longestSendGap = Math.max(...starts.slice(1).map((start, i) => start - (starts[i] as number)));
    // Started in this process, nothing would be sent for the blocked 1.5 s. (The fake backend shares
    // this process, so its answers are late; the sending is what the child keeps steady.)
    expect(longestSendGap).toBeLessThan(500);
    expect(window.records.length).toBeGreaterThanOrEqual(Math.floor((window.durationMs / 1000) * 50 * 0.8));
    expect(summarizeWindow(window.records, window).failed).toBe(0);
  }, 20_000);

  it("measureWindow logs the line and rethrows when the action fails", async () => {
    const backend = await fakeBackend(() => "ok");
    servers.push(backend);
    const lines: string[] = [];
    await expect(
      measureWindow(
        "failing window",
        { baseUrl: backend.url, ratePerSecond: 40 },
        () => sleep(200).then(() => Promise.reject(new Error("pulumi up failed"))),
        (line) => lines.push(line),
      ),
    ).rejects.toThrow("pulumi up failed");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^failing window: \d+ requests in 0\.\d s .*0 failed/);
  });
});
