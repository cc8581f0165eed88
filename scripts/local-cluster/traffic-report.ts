// What a traffic window saw, from the records of scripts/local-cluster/traffic.ts: pure functions
// only (no network, no clock), so that the figures printed by the e2e and written in
// docs/benchmarks.md come from code the unit tests pin.

/** The three requests of the mix: `GET /api/todos`, `POST /api/todos`, `GET /` (the static app). */
export type RequestKind = "list" | "create" | "page";

/**
 * A connection error, normalised: `ECONNRESET`, `ECONNREFUSED`, `UND_ERR_SOCKET` (the peer closed
 * the socket: "other side closed", "socket hang up"), `timeout` (the client's own deadline, or any
 * connect/headers/body timeout), else the error's own code, else `UNKNOWN`.
 */
export type ConnectionError = "ECONNRESET" | "ECONNREFUSED" | "UND_ERR_SOCKET" | "timeout" | (string & {});

/** One request as the client saw it. Times are milliseconds since the window started. */
export interface RequestRecord {
  kind: RequestKind;
  startMs: number;
  /** Until the whole body was read, or until the error. */
  durationMs: number;
  /** The HTTP status, when one arrived (also kept when the body then failed). */
  status?: number;
  /** Set when the request did not complete: no answer, or the body cut off. */
  error?: ConnectionError;
  /** The raw error message chain, for the logs. */
  detail?: string;
  /** The unique title a `create` sent. */
  title?: string;
}

export interface WindowSummary {
  /** Requests sent (shed ticks are not requests). */
  requests: number;
  /** Complete 2xx answers. */
  ok: number;
  /** Complete answers that were not 2xx, by status code. */
  nonOk: Record<string, number>;
  /** Requests with no complete answer, by normalised code. */
  connectionErrors: Record<string, number>;
  /** Sum of nonOk and connectionErrors. */
  failed: number;
  /** The failures by request kind. */
  failedByKind: Partial<Record<RequestKind, number>>;
  /** The first failure: which request, when it started, and what it got (status and body, or error). */
  firstFailure?: { kind: RequestKind; startMs: number; outcome: string };
  /** Ticks the client skipped because maxInFlight requests were outstanding. */
  shed: number;
  /**
   * The longest time between two successful answers (completion times); when the window's length
   * is known, its start and its end count as answers too, so an outage at either edge shows.
   */
  longestGapMs: number;
  /**
   * The same over the API's answers only (list and create): how long the API was down while the
   * static page may still have answered; the outage a window states.
   */
  longestApiGapMs: number;
  /** Nearest-rank percentiles over every request that got a complete answer, any status. */
  p50Ms: number | null;
  p99Ms: number | null;
  durationMs?: number;
  /** The longest stall of the client's own event loop (it inflates latency and gaps when large). */
  clientStallMaxMs?: number;
}

export interface WindowContext {
  durationMs?: number;
  shed?: number;
  clientStallMaxMs?: number;
}

export interface WriteCheck {
  acknowledged: number;
  /** Titles answered 201 that the list afterwards does not hold. */
  lost: string[];
  /** Titles the harness sent that the list holds more than once. */
  duplicated: string[];
}

const TIMEOUT_CODES = new Set([
  "ETIMEDOUT",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "ABORT_ERR",
]);

/** Normalises what fetch (undici) threw: walks `error.cause` for a name or a code. */
export function classifyError(error: unknown): { error: ConnectionError; detail: string } {
  const chain: { name?: unknown; code?: unknown; message?: unknown }[] = [];
  for (let link: unknown = error; link && typeof link === "object" && chain.length < 6; ) {
    chain.push(link as (typeof chain)[number]);
    link = (link as { cause?: unknown }).cause;
  }
  const detail = chain.map((link) => String(link.message ?? link.code ?? link.name)).join(" <- ") || String(error);
  const codes = chain.map((link) => (typeof link.code === "string" ? link.code : undefined));
  if (chain.some((link) => link.name === "TimeoutError" || link.name === "AbortError"))
    return { error: "timeout", detail };
  if (codes.some((code) => code !== undefined && TIMEOUT_CODES.has(code))) return { error: "timeout", detail };
  for (const code of ["ECONNREFUSED", "ECONNRESET"]) if (codes.includes(code)) return { error: code, detail };
  if (codes.includes("UND_ERR_SOCKET") || /socket hang up|other side closed/i.test(detail))
    return { error: "UND_ERR_SOCKET", detail };
  return { error: codes.find((code) => code !== undefined) ?? "UNKNOWN", detail };
}

const succeeded = (record: RequestRecord) =>
  record.error === undefined && record.status !== undefined && record.status >= 200 && record.status < 300;

/** Nearest rank: the smallest value with at least q of the values at or below it. */
export function percentile(sorted: readonly number[], q: number): number | null {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? null;
}

const bump = (counts: Record<string, number>, key: string) => {
  counts[key] = (counts[key] ?? 0) + 1;
};

/** The request kinds that reach the backend (the page is the frontend's own). */
const API_KINDS: readonly RequestKind[] = ["list", "create"];

/** The longest time between two successful answers (completion times), the window's edges counting as answers when its length is known. */
function longestGap(records: readonly RequestRecord[], context: WindowContext): number {
  const answers = records
    .filter(succeeded)
    .map((record) => record.startMs + record.durationMs)
    .sort((a, b) => a - b);
  if (context.durationMs !== undefined) {
    answers.push(Math.max(context.durationMs, answers.at(-1) ?? 0));
    answers.unshift(0);
  }
  let longest = 0;
  for (let i = 1; i < answers.length; i++)
    longest = Math.max(longest, (answers[i] as number) - (answers[i - 1] as number));
  return longest;
}

export function summarizeWindow(records: readonly RequestRecord[], context: WindowContext = {}): WindowSummary {
  const nonOk: Record<string, number> = {};
  const connectionErrors: Record<string, number> = {};
  const failedByKind: Partial<Record<RequestKind, number>> = {};
  let firstFailure: WindowSummary["firstFailure"];
  let ok = 0;
  for (const record of records) {
    if (succeeded(record)) {
      ok++;
      continue;
    }
    if (record.error !== undefined) bump(connectionErrors, record.error);
    else if (record.status === undefined) bump(connectionErrors, "UNKNOWN");
    else bump(nonOk, String(record.status));
    bump(failedByKind, record.kind);
    if (!firstFailure || record.startMs < firstFailure.startMs) {
      const what = record.error ?? record.status ?? "UNKNOWN";
      firstFailure = {
        kind: record.kind,
        startMs: record.startMs,
        outcome: `${what}${record.detail ? ` ${record.detail}` : ""}`,
      };
    }
  }
  const longestGapMs = longestGap(records, context);
  const longestApiGapMs = longestGap(
    records.filter((record) => API_KINDS.includes(record.kind)),
    context,
  );
  const latencies = records
    .filter((record) => record.error === undefined && record.status !== undefined)
    .map((record) => record.durationMs)
    .sort((a, b) => a - b);
  const failed = records.length - ok;
  return {
    requests: records.length,
    ok,
    nonOk,
    connectionErrors,
    failed,
    failedByKind,
    ...(firstFailure ? { firstFailure } : {}),
    shed: context.shed ?? 0,
    longestGapMs,
    longestApiGapMs,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    ...(context.durationMs === undefined ? {} : { durationMs: context.durationMs }),
    ...(context.clientStallMaxMs === undefined ? {} : { clientStallMaxMs: context.clientStallMaxMs }),
  };
}

/**
 * `acknowledgedTitles`: the POSTs answered 201. `sentTitles` (default: the acknowledged ones): every
 * title the harness sent, so that a POST the client saw fail but the server stored twice (a retry)
 * still counts as duplicated. Titles the list holds that the harness did not send are ignored.
 */
export function checkWrites(
  acknowledgedTitles: readonly string[],
  listedTodos: readonly { title: string }[],
  sentTitles: readonly string[] = acknowledgedTitles,
): WriteCheck {
  const listed = new Map<string, number>();
  for (const { title } of listedTodos) listed.set(title, (listed.get(title) ?? 0) + 1);
  const ours = new Set([...sentTitles, ...acknowledgedTitles]);
  return {
    acknowledged: acknowledgedTitles.length,
    lost: [...new Set(acknowledgedTitles)].filter((title) => !listed.has(title)),
    duplicated: [...ours].filter((title) => (listed.get(title) ?? 0) > 1),
  };
}

const count = (n: number) => n.toLocaleString("en-US");
const ms = (n: number | null) => (n === null ? "n/a" : `${count(Math.round(n))} ms`);
const byCount = (counts: Record<string, number>) =>
  Object.entries(counts)
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .map(([key, n]) => `${key} × ${count(n)}`);

const examples = (titles: string[]) =>
  `${titles
    .slice(0, 3)
    .map((title) => JSON.stringify(title))
    .join(", ")}${titles.length > 3 ? ", …" : ""}`;

/** One paragraph for the e2e's log and docs/benchmarks.md. */
export function formatWindow(name: string, summary: WindowSummary, writes?: WriteCheck): string {
  const seconds = summary.durationMs === undefined ? undefined : summary.durationMs / 1000;
  const rate = seconds ? ` (${(summary.requests / seconds).toFixed(1)}/s)` : "";
  const span = seconds === undefined ? "" : ` in ${seconds.toFixed(1)} s${rate}`;
  const kinds = [...byCount(summary.nonOk), ...byCount(summary.connectionErrors)];
  const failures = `${count(summary.failed)} failed${kinds.length ? ` (${kinds.join(", ")})` : ""}`;
  const first = summary.firstFailure;
  const parts = [
    `${name}: ${count(summary.requests)} requests${span}: ${count(summary.ok)} ok, ${failures}`,
    ...(first
      ? [
          `failed by request ${byCount(summary.failedByKind).join(", ")}, the first ${first.kind} at ${(first.startMs / 1000).toFixed(1)} s: ${first.outcome}`,
        ]
      : []),
    ...(summary.shed ? [`${count(summary.shed)} not sent (in-flight cap reached)`] : []),
    `longest gap between successes ${ms(summary.longestGapMs)}${summary.longestApiGapMs > summary.longestGapMs ? ` (API ${ms(summary.longestApiGapMs)})` : ""}`,
    `p50 ${ms(summary.p50Ms)}, p99 ${ms(summary.p99Ms)}`,
  ];
  if (writes) {
    const lost = writes.lost.length ? ` (${examples(writes.lost)})` : "";
    const duplicated = writes.duplicated.length ? ` (${examples(writes.duplicated)})` : "";
    parts.push(
      `writes: ${count(writes.acknowledged)} acknowledged, ${count(writes.lost.length)} lost${lost}, ${count(writes.duplicated.length)} duplicated${duplicated}`,
    );
  }
  if (summary.clientStallMaxMs !== undefined) parts.push(`client event-loop stall max ${ms(summary.clientStallMaxMs)}`);
  return `${parts.join("; ")}.`;
}

/**
 * The failed requests grouped into bursts (failures that started less than `gapMs` after the
 * previous one), one line each: when they started (seconds into the window), what they got by
 * request kind, and how long the slowest took. Lines a failed window up with what the cluster did.
 */
export function failureBursts(records: readonly RequestRecord[], gapMs = 1_000, maxBursts = 12): string[] {
  const failed = records.filter((record) => !succeeded(record)).sort((a, b) => a.startMs - b.startMs);
  const bursts: RequestRecord[][] = [];
  for (const record of failed) {
    const last = bursts.at(-1);
    const previous = last?.at(-1);
    if (last && previous && record.startMs - previous.startMs < gapMs) last.push(record);
    else bursts.push([record]);
  }
  const seconds = (value: number) => (value / 1000).toFixed(1);
  const lines = bursts.slice(0, maxBursts).map((burst) => {
    const outcomes: Record<string, number> = {};
    for (const record of burst) bump(outcomes, `${record.kind} ${record.error ?? record.status ?? "UNKNOWN"}`);
    const first = burst[0] as RequestRecord;
    const last = burst.at(-1) as RequestRecord;
    const slowest = Math.max(...burst.map((record) => record.durationMs));
    const span =
      first === last ? `${seconds(first.startMs)} s` : `${seconds(first.startMs)}–${seconds(last.startMs)} s`;
    return `${span}: ${byCount(outcomes).join(", ")} (slowest ${ms(slowest)})`;
  });
  if (bursts.length > maxBursts) lines.push(`… ${bursts.length - maxBursts} more bursts`);
  return lines;
}

/** What keeps a window from being clean (the gate of windows 1, 2, 3, 4 and 6): empty when clean. */
export function windowProblems(summary: WindowSummary, writes?: WriteCheck): string[] {
  return [
    ...(summary.failed ? [`${summary.failed} failed requests`] : []),
    ...(summary.shed ? [`${summary.shed} requests not sent (in-flight cap)`] : []),
    ...(summary.requests === 0 ? ["no requests sent"] : []),
    ...(writes?.lost.length ? [`${writes.lost.length} lost writes`] : []),
    ...(writes?.duplicated.length ? [`${writes.duplicated.length} duplicated writes`] : []),
  ];
}

/** The servers' own refusals while a dependency is away: complete answers, never a hang or a reset. */
export const CLEAN_OUTAGE_STATUSES: readonly string[] = ["502", "503"];

/**
 * What breaks a window whose goal is a bounded outage (the engine killed, Postgres restarted): a
 * lost or duplicated acknowledged write, a failure that is not a clean 502/503 from our servers
 * (a connection error, a timeout, a 500), no API success (list, create) for more than `maxGapMs`,
 * or no requests.
 * Empty when the outage held to that.
 */
export function outageProblems(summary: WindowSummary, writes: WriteCheck | undefined, maxGapMs: number): string[] {
  const unclean = Object.entries(summary.nonOk).filter(([status]) => !CLEAN_OUTAGE_STATUSES.includes(status));
  return [
    ...unclean.map(([status, count]) => `${count} × ${status} (only ${CLEAN_OUTAGE_STATUSES.join("/")} are clean)`),
    ...Object.entries(summary.connectionErrors).map(([error, count]) => `${count} × ${error} (no complete answer)`),
    ...(summary.longestApiGapMs > maxGapMs
      ? [`no API success for ${(summary.longestApiGapMs / 1000).toFixed(1)} s (bound ${maxGapMs / 1000} s)`]
      : []),
    ...(summary.requests === 0 ? ["no requests sent"] : []),
    ...(writes?.lost.length ? [`${writes.lost.length} lost writes`] : []),
    ...(writes?.duplicated.length ? [`${writes.duplicated.length} duplicated writes`] : []),
  ];
}
