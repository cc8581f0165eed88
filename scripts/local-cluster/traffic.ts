// A traffic window: steady, open-loop, mixed load on the app through one base URL (in the e2e, the
// frontend's NodePort: the path a user's browser takes), recording every request's status or
// connection error and its time, while something else (a `pulumi up`, a pod deleted) happens.
//
// HTTP is Node's own fetch (undici, shipped with Node 20): each call resolves to a status or
// rejects with an error whose `cause` carries the socket's code, so one try/catch per request
// records everything, and its keep-alive pool reuses connections as a browser does. autocannon is
// closed-loop per connection and reports errors apart from the request that had them, so telling
// which POST got its 201 (the lost-write check) would need its internals; the `undici` package in
// node_modules is only a transitive dependency.
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";

import {
  checkWrites,
  classifyError,
  failureBursts,
  formatWindow,
  type RequestKind,
  type RequestRecord,
  summarizeWindow,
  type WindowSummary,
  type WriteCheck,
} from "./traffic-report";

export interface TrafficOptions {
  /** e.g. http://192.168.49.2:31234 (no trailing slash needed). */
  baseUrl: string;
  ratePerSecond: number;
  /** Relative weights; default 3 : 1 : 1 for list : create : page. */
  mix?: Partial<Record<RequestKind, number>>;
  /** Each request's deadline, body included; past it the request counts as `timeout`. Default 5,000. */
  requestTimeoutMs?: number;
  /**
   * Requests outstanding at most; a tick past it is counted as shed, not sent. Default: enough for
   * every request of one timeout period, so the cap only bounds memory and sockets.
   */
  maxInFlight?: number;
  /** Prefix of the POSTs' unique titles. */
  titlePrefix?: string;
}

export interface TrafficWindow {
  records: RequestRecord[];
  /** Titles of the POSTs answered 201. */
  acknowledgedTitles: string[];
  /** Titles of every POST sent, answered or not. */
  sentTitles: string[];
  shed: number;
  durationMs: number;
  /** Wall-clock time (ms since the epoch) of the window's t = 0, to line records up with other clocks. */
  startedAtEpochMs: number;
  /** The longest stall of this process's event loop during the window. */
  clientStallMaxMs: number;
}

export interface TrafficHandle {
  /** Stops starting requests, waits for those in flight (at most requestTimeoutMs), returns the window. */
  stop(): Promise<TrafficWindow>;
}

const TICK_MS = 5;

/** A fixed cycle of kinds with the mix's proportions, interleaved (smooth weighted round-robin). */
export function mixCycle(mix: Partial<Record<RequestKind, number>>): RequestKind[] {
  const weights = (Object.entries(mix) as [RequestKind, number][]).filter(([, weight]) => weight > 0);
  if (!weights.length || weights.some(([, weight]) => !Number.isInteger(weight)))
    throw new Error(`traffic mix needs positive integer weights: ${JSON.stringify(mix)}`);
  const total = weights.reduce((sum, [, weight]) => sum + weight, 0);
  const current = new Map(weights.map(([kind]) => [kind, 0]));
  const cycle: RequestKind[] = [];
  for (let i = 0; i < total; i++) {
    let best: RequestKind = weights[0]?.[0] as RequestKind;
    for (const [kind, weight] of weights) {
      current.set(kind, (current.get(kind) ?? 0) + weight);
      if ((current.get(kind) ?? 0) > (current.get(best) ?? 0)) best = kind;
    }
    current.set(best, (current.get(best) ?? 0) - total);
    cycle.push(best);
  }
  return cycle;
}

async function send(
  baseUrl: string,
  kind: RequestKind,
  title: string | undefined,
  timeoutMs: number,
): Promise<Pick<RequestRecord, "status" | "error" | "detail">> {
  const init: RequestInit =
    kind === "create"
      ? { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ title }) }
      : { method: "GET" };
  let status: number | undefined;
  try {
    const response = await fetch(`${baseUrl}${kind === "page" ? "/" : "/api/todos"}`, {
      ...init,
      signal: AbortSignal.timeout(timeoutMs),
    });
    status = response.status;
    const body = await response.text();
    // A failure's own words (our servers answer JSON with a message) say which layer gave up.
    return response.ok ? { status } : { status, detail: body.replace(/\s+/g, " ").slice(0, 160) };
  } catch (error) {
    return { ...(status === undefined ? {} : { status }), ...classifyError(error) };
  }
}

export function startTraffic(options: TrafficOptions): TrafficHandle {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const rate = options.ratePerSecond;
  if (!(rate > 0)) throw new Error(`ratePerSecond must be positive: ${rate}`);
  const timeoutMs = options.requestTimeoutMs ?? 5_000;
  const maxInFlight = options.maxInFlight ?? Math.ceil((rate * timeoutMs) / 1000) + 1;
  const cycle = mixCycle(options.mix ?? { list: 3, create: 1, page: 1 });
  const prefix = options.titlePrefix ?? `traffic ${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

  const records: RequestRecord[] = [];
  const acknowledgedTitles: string[] = [];
  const sentTitles: string[] = [];
  const inFlight = new Set<Promise<void>>();
  let due = 0;
  let shed = 0;
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const t0 = performance.now();
  const startedAtEpochMs = Date.now();

  const launch = (index: number) => {
    const kind = cycle[index % cycle.length] as RequestKind;
    const title = kind === "create" ? `${prefix} #${index}` : undefined;
    if (title) sentTitles.push(title);
    const startMs = performance.now() - t0;
    const request = send(baseUrl, kind, title, timeoutMs).then((outcome) => {
      records.push({
        kind,
        startMs,
        durationMs: performance.now() - t0 - startMs,
        ...outcome,
        ...(title && { title }),
      });
      if (title && outcome.status === 201 && outcome.error === undefined) acknowledgedTitles.push(title);
    });
    inFlight.add(request);
    void request.finally(() => inFlight.delete(request));
  };
  // Open loop: each tick starts every request due by now (one at t = 0, then one per 1/rate s),
  // whether or not earlier ones have answered; a late tick catches up instead of lowering the rate.
  const tick = () => {
    const dueNow = Math.floor(((performance.now() - t0) * rate) / 1000) + 1;
    for (; due < dueNow; due++) {
      if (inFlight.size >= maxInFlight) shed++;
      else launch(due);
    }
  };
  tick();
  const timer = setInterval(tick, TICK_MS);

  let stopped: Promise<TrafficWindow> | undefined;
  return {
    stop() {
      stopped ??= (async () => {
        clearInterval(timer);
        const durationMs = performance.now() - t0;
        await Promise.all([...inFlight]);
        loop.disable();
        records.sort((a, b) => a.startMs - b.startMs);
        return {
          records,
          acknowledgedTitles,
          sentTitles,
          shed,
          durationMs,
          startedAtEpochMs,
          clientStallMaxMs: loop.max / 1e6,
        };
      })();
      return stopped;
    },
  };
}

/** Every todo, paged through `GET /api/todos?limit=100&cursor=…`; each page retried for ~10 s. */
export async function listAllTodos(baseUrl: string, timeoutMs = 5_000): Promise<{ id?: string; title: string }[]> {
  const base = baseUrl.replace(/\/+$/, "");
  const items: { id?: string; title: string }[] = [];
  let cursor: string | null = null;
  do {
    const url = `${base}/api/todos?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    let page: { items: { id?: string; title: string }[]; nextCursor: string | null } | undefined;
    for (let attempt = 1; !page; attempt++) {
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
        if (response.status !== 200) throw new Error(`answered ${response.status}: ${await response.text()}`);
        page = (await response.json()) as typeof page;
      } catch (error) {
        if (attempt >= 10) throw new Error(`GET ${url} to check the window's writes: ${(error as Error).message}`);
        await sleep(1_000);
      }
    }
    items.push(...(page?.items ?? []));
    cursor = page?.nextCursor ?? null;
  } while (cursor);
  return items;
}

export interface WindowReport {
  name: string;
  summary: WindowSummary;
  writes: WriteCheck;
  /** formatWindow's paragraph. */
  line: string;
  /** The failed requests, in bursts (failureBursts); empty when none failed. */
  bursts: string[];
  /** The window's t = 0 on the wall clock (ms since the epoch). */
  startedAtEpochMs: number;
}

/** The figures of a stopped window: its summary, the write check against the list now, the line. */
export async function reportWindow(name: string, baseUrl: string, window: TrafficWindow): Promise<WindowReport> {
  const summary = summarizeWindow(window.records, window);
  const writes = checkWrites(window.acknowledgedTitles, await listAllTodos(baseUrl), window.sentTitles);
  return {
    name,
    summary,
    writes,
    line: formatWindow(name, summary, writes),
    bursts: failureBursts(window.records),
    startedAtEpochMs: window.startedAtEpochMs,
  };
}

/**
 * Runs `action` under traffic: starts it (`start`: in this process, or startTrafficProcess), awaits
 * the action, stops, checks the writes and logs the line, also when the action throws (then the
 * action's error is rethrown after the line).
 */
export async function measureWindow<T>(
  name: string,
  options: TrafficOptions,
  action: () => Promise<T>,
  log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  start: (options: TrafficOptions) => TrafficHandle | Promise<TrafficHandle> = startTraffic,
): Promise<{ result: T; report: WindowReport }> {
  const traffic = await start(options);
  let result: T;
  try {
    result = await action();
  } catch (error) {
    const report = await reportWindow(name, options.baseUrl, await traffic.stop()).catch(
      (failure: Error) => ({ line: `${name}: no figures (${failure.message})` }) as WindowReport,
    );
    log(report.line);
    throw error;
  }
  const report = await reportWindow(name, options.baseUrl, await traffic.stop());
  log(report.line);
  return { result, report };
}
