// Keyset pagination while other clients keep inserting: every row that existed before the walk
// started is seen exactly once, in order, and no row is ever repeated.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasCapabilities } from "../../../../test/support/capabilities.ts";
import { startBackend } from "../helpers.ts";

type Backend = Awaited<ReturnType<typeof startBackend>>;
interface Page {
  items: { id: string; createdAt: string }[];
  nextCursor: string | null;
}

describe.runIf(hasCapabilities("postgres"))("pagination under concurrent inserts (real Postgres)", () => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await startBackend();
  });
  afterAll(async () => backend?.close());

  it("walks all pre-existing todos exactly once while 4 writers insert", async () => {
    // Rows in bulk, many sharing a created_at, so ties are exercised too.
    await backend.pool.query(
      `INSERT INTO todos (title, created_at)
       SELECT 'seed ' || g, timestamptz '2026-01-01' + (g / 3) * interval '1 microsecond' FROM generate_series(1, 300) g`,
    );
    const before = (await backend.pool.query("SELECT id FROM todos ORDER BY created_at DESC, id DESC")).rows.map(
      (row) => row.id as string,
    );

    let writing = true;
    let inserted = 0;
    const writers = Array.from({ length: 4 }, async () => {
      while (writing) {
        const response = await backend.app.inject({
          method: "POST",
          url: "/api/todos",
          payload: { title: "concurrent" },
        });
        expect(response.statusCode).toBe(201);
        inserted += 1;
      }
    });

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `/api/todos?limit=7${cursor ? `&cursor=${cursor}` : ""}`;
      const response = await backend.app.inject({ url });
      expect(response.statusCode).toBe(200);
      const page = response.json() as Page;
      seen.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);
    writing = false;
    await Promise.all(writers);

    expect(inserted).toBeGreaterThan(0);
    expect(pages).toBeGreaterThan(40);
    expect(new Set(seen).size).toBe(seen.length);
    // The pre-existing rows appear in the walk as one contiguous, correctly ordered tail.
    const preExistingSeen = seen.filter((id) => before.includes(id));
    expect(preExistingSeen).toEqual(before);
  }, 60_000);
});
