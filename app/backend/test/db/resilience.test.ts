// The database going away and coming back: readiness follows it, and acknowledged writes survive.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasCapabilities } from "../../../../test/support/capabilities.ts";
import { startBackend } from "../helpers.ts";

type Backend = Awaited<ReturnType<typeof startBackend>>;

async function pollStatus(backend: Backend, url: string, want: number, withinMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < withinMs) {
    if ((await backend.app.inject({ url })).statusCode === want) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not answer ${want} within ${withinMs} ms`);
}

describe.runIf(hasCapabilities("postgres"))("database outages (real Postgres stopped and restarted)", () => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await startBackend({ readyTimeoutMs: 1_000, connectTimeoutMs: 1_000 });
  });
  afterAll(async () => backend?.close());

  it("/readyz answers 503 within 2 s of the DB stopping and 200 again after it restarts", async () => {
    // Warm the pool so idle connections exist that the stop will kill.
    await Promise.all(Array.from({ length: 4 }, () => backend.app.inject({ url: "/api/todos" })));
    expect((await backend.app.inject({ url: "/readyz" })).statusCode).toBe(200);

    await backend.postgres.stop();
    const stoppedAt = Date.now();
    const first = await backend.app.inject({ url: "/readyz" });
    expect(first.statusCode).toBe(503);
    expect(first.json()).toEqual({ status: "database unavailable" });
    expect(Date.now() - stoppedAt).toBeLessThan(2_000);
    expect((await backend.app.inject({ url: "/healthz" })).statusCode).toBe(200);
    // API calls fail as a clean, retryable 503 while the DB is down, never hang and never a 500.
    const during = await backend.app.inject({ url: "/api/todos" });
    expect(during.statusCode).toBe(503);
    expect(during.headers["retry-after"]).toBe("2");
    expect(during.json()).toEqual({
      error: "Service Unavailable",
      message: "the database is unavailable; retry shortly",
    });
    const write = await backend.app.inject({ method: "POST", url: "/api/todos", payload: { title: "while down" } });
    expect(write.statusCode).toBe(503);

    await backend.postgres.start();
    await pollStatus(backend, "/readyz", 200, 10_000);
    expect((await backend.app.inject({ url: "/api/todos" })).statusCode).toBe(200);
  }, 60_000);

  it("keeps every acknowledged write across a Postgres restart", async () => {
    const acknowledged: string[] = [];
    for (let i = 0; i < 25; i += 1) {
      const response = await backend.app.inject({
        method: "POST",
        url: "/api/todos",
        payload: { title: `durable ${i}` },
      });
      expect(response.statusCode).toBe(201);
      acknowledged.push(response.json().id);
    }
    await backend.postgres.stop();
    await backend.postgres.start();
    await pollStatus(backend, "/readyz", 200, 10_000);
    const listed = (await backend.app.inject({ url: "/api/todos?limit=100" }))
      .json()
      .items.map((t: { id: string }) => t.id);
    expect(listed).toEqual(expect.arrayContaining(acknowledged));
  }, 60_000);
});
