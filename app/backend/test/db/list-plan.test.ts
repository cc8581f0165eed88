// The list query must walk the (created_at, id) indexes instead of sorting the table: with the
// time aliased to a column name, ORDER BY once sorted by the text expression and seq-scanned.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasCapabilities } from "../../../../test/support/capabilities.ts";
import { listQuery } from "../../src/todo-repository.ts";
import { startBackend } from "../helpers.ts";

type Backend = Awaited<ReturnType<typeof startBackend>>;

describe.runIf(hasCapabilities("postgres"))("list query plan (real Postgres)", () => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await startBackend();
    await backend.pool.query(
      "INSERT INTO todos (title, completed) SELECT 'todo ' || g, g % 2 = 0 FROM generate_series(1, 20000) g",
    );
    await backend.pool.query("ANALYZE todos");
  });
  afterAll(async () => backend?.close());

  const cursor = { createdAt: "2999-01-01T00:00:00.000000Z", id: crypto.randomUUID() };
  const SHAPES = [
    ["all, first page", { status: "all" as const, limit: 20 }],
    ["active, first page", { status: "active" as const, limit: 20 }],
    ["all, after a cursor", { status: "all" as const, limit: 20, after: cursor }],
    ["completed, after a cursor", { status: "completed" as const, limit: 20, after: cursor }],
  ] as const;

  async function expectIndexWalk(explain: string, values?: unknown[]): Promise<void> {
    const { rows } = await backend.pool.query(explain, values);
    const plan = rows.map((row) => row["QUERY PLAN"]).join("\n");
    expect(plan).toMatch(/Index Scan using todos_(completed_)?created_at_id_idx/);
    expect(plan).not.toMatch(/\bSort\b|Seq Scan/);
  }

  it.each(SHAPES)("%s uses an index scan and no sort", async (_name, options) => {
    const query = listQuery(options);
    await expectIndexWalk(`EXPLAIN ${query.text}`, query.values);
  });

  it.each(SHAPES)(
    "%s: the named statement's generic plan (reused across pages) also walks the index",
    async (_name, options) => {
      const query = listQuery(options);
      expect(query.name).toMatch(/^todos-list-/);
      await expectIndexWalk(`EXPLAIN (GENERIC_PLAN) ${query.text}`);
    },
  );
});
