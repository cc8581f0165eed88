// 10,000 generated bad requests (fast-check) must never produce a 5xx: every one is a 4xx with
// {error, message}, or — when the generator happens to produce a valid request — a success.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasCapabilities } from "../../../../test/support/capabilities.ts";
import { startBackend } from "../helpers.ts";

type Backend = Awaited<ReturnType<typeof startBackend>>;
interface Attempt {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  url: string;
  payload?: string;
  contentType?: string;
}

const VALID_ID = "00000000-0000-4000-8000-000000000000";

const jsonBody = fc.oneof(
  fc.jsonValue().map((value) => JSON.stringify(value)),
  fc
    .record(
      {
        title: fc.oneof(fc.string({ maxLength: 600 }), fc.jsonValue(), fc.constantFrom("", "   ", "x".repeat(501))),
        completed: fc.jsonValue(),
        extra: fc.jsonValue(),
      },
      { requiredKeys: [] },
    )
    .map((value) => JSON.stringify(value)),
  fc.string({ maxLength: 200 }),
  fc.constantFrom('{"title":', "{", "[", "nul", '{"__proto__":{"a":1}}', '{"constructor":{"prototype":{}}}'),
);
const pathSegment = fc.oneof(
  fc.constant(VALID_ID),
  fc.uuid(),
  fc.string({ maxLength: 50 }).map(encodeURIComponent),
  fc.constantFrom("%", "%zz", "..", "' OR 1=1 --"),
);
const query = fc
  .dictionary(
    fc.constantFrom("status", "limit", "cursor", "other", "limit[]"),
    fc.oneof(fc.string({ maxLength: 300 }), fc.integer().map(String), fc.constantFrom("-1", "1e3", "NaN", "")),
    { maxKeys: 4 },
  )
  .map((params) => new URLSearchParams(params).toString());

const attempt: fc.Arbitrary<Attempt> = fc.oneof(
  fc.record({ method: fc.constant("GET" as const), url: query.map((q) => `/api/todos?${q}`) }),
  fc.record({
    method: fc.constant("POST" as const),
    url: fc.constant("/api/todos"),
    payload: jsonBody,
    contentType: fc.constantFrom(
      "application/json",
      "text/plain",
      "application/x-www-form-urlencoded",
      "application/json; charset=utf-8",
    ),
  }),
  fc.record({
    method: fc.constant("PATCH" as const),
    url: pathSegment.map((id) => `/api/todos/${id}`),
    payload: jsonBody,
    contentType: fc.constant("application/json"),
  }),
  fc.record({ method: fc.constant("DELETE" as const), url: pathSegment.map((id) => `/api/todos/${id}`) }),
);

describe.runIf(hasCapabilities("postgres"))("generated bad payloads (fast-check, real Postgres)", () => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await startBackend();
  });
  afterAll(async () => backend?.close());

  it("10,000 generated requests: zero 5xx, every 4xx is {error, message}", async () => {
    const attempts = fc.sample(attempt, { numRuns: 10_000, seed: 20_261_125 });
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    // Batches of 100 in parallel keep the run short without exhausting the pool.
    for (let start = 0; start < attempts.length; start += 100) {
      const batch = attempts.slice(start, start + 100);
      const responses = await Promise.all(
        batch.map((a) =>
          backend.app.inject({
            method: a.method,
            url: a.url,
            payload: a.payload,
            headers: a.contentType ? { "content-type": a.contentType } : {},
          }),
        ),
      );
      responses.forEach((response, index) => {
        statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
        const a = batch[index] as Attempt;
        const body = response.statusCode >= 400 ? response.json() : undefined;
        if (
          response.statusCode >= 500 ||
          (body && (typeof body.error !== "string" || typeof body.message !== "string"))
        ) {
          failures.push(`${a.method} ${a.url} ${a.payload ?? ""} → ${response.statusCode} ${response.body}`);
        }
      });
    }
    expect(failures.slice(0, 5)).toEqual([]);
    expect([...statuses.values()].reduce((sum, n) => sum + n, 0)).toBe(10_000);
    // The generator is meant to produce mostly invalid input.
    expect(statuses.get(400) ?? 0).toBeGreaterThan(5_000);
  }, 120_000);
});
