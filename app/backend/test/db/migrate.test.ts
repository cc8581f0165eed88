import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasCapabilities } from "../../../../test/support/capabilities.ts";
import { startPostgres, type TestPostgres } from "../../../../test/support/postgres.ts";
import { migrate, readMigrations } from "../../src/db/migrate.ts";
import { MIGRATIONS_DIR, newPool } from "../helpers.ts";

describe("readMigrations", () => {
  it("reads the shipped migrations in version order with checksums", async () => {
    const migrations = await readMigrations(MIGRATIONS_DIR);
    expect(migrations[0]).toMatchObject({ version: "0001", name: "0001_create_todos.sql" });
    expect(migrations.map((m) => m.version)).toEqual([...migrations.map((m) => m.version)].sort());
    expect(migrations[0]?.checksum).toMatch(/^[0-9a-f]{64}$/);
  });

  it("rejects badly named and duplicate-version files", async () => {
    const badName = mkdtempSync(join(tmpdir(), "mig-"));
    writeFileSync(join(badName, "create.sql"), "SELECT 1");
    await expect(readMigrations(badName)).rejects.toThrow("create.sql must be named NNNN_lower_snake.sql");
    const duplicate = mkdtempSync(join(tmpdir(), "mig-"));
    writeFileSync(join(duplicate, "0001_a.sql"), "SELECT 1");
    writeFileSync(join(duplicate, "0001_b.sql"), "SELECT 1");
    await expect(readMigrations(duplicate)).rejects.toThrow("two migration files share version 0001");
  });
});

describe.runIf(hasCapabilities("postgres"))("migrate against real Postgres", () => {
  let postgres: TestPostgres;
  let pool: pg.Pool;
  beforeAll(async () => {
    postgres = await startPostgres();
    pool = newPool(postgres.url);
  });
  afterAll(async () => {
    await pool?.end();
    await postgres?.destroy();
  });

  const tables = async () =>
    (await pool.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")).rows.map(
      (row) => row.tablename,
    );

  it("applies every migration concurrently from several runners exactly once", async () => {
    const runners = Array.from({ length: 4 }, () => newPool(postgres.url));
    try {
      const results = await Promise.all(runners.map((runner) => migrate(runner, MIGRATIONS_DIR)));
      const appliedCounts = results.map((result) => result.applied.length).sort();
      expect(appliedCounts).toEqual([0, 0, 0, 1]);
    } finally {
      await Promise.all(runners.map((runner) => runner.end()));
    }
    expect(await tables()).toEqual(["schema_migrations", "todos"]);
    const { rows } = await pool.query("SELECT version, name FROM schema_migrations");
    expect(rows).toEqual([{ version: "0001", name: "0001_create_todos.sql" }]);
  });

  it("is a no-op when run again", async () => {
    await pool.query("INSERT INTO todos (title) VALUES ('survives re-migration')");
    const result = await migrate(pool, MIGRATIONS_DIR);
    expect(result).toEqual({ applied: [], alreadyApplied: ["0001_create_todos.sql"] });
    expect((await pool.query("SELECT count(*)::int AS n FROM todos")).rows[0].n).toBe(1);
  });

  it("applies only new files, and refuses an applied file that changed", async () => {
    const directory = mkdtempSync(join(tmpdir(), "mig-"));
    const original = (await readMigrations(MIGRATIONS_DIR))[0];
    writeFileSync(join(directory, "0001_create_todos.sql"), original?.sql ?? "");
    writeFileSync(join(directory, "0002_add_notes.sql"), "ALTER TABLE todos ADD COLUMN notes text;");
    expect((await migrate(pool, directory)).applied).toEqual(["0002_add_notes.sql"]);

    writeFileSync(join(directory, "0002_add_notes.sql"), "ALTER TABLE todos ADD COLUMN other text;");
    await expect(migrate(pool, directory)).rejects.toThrow("0002_add_notes.sql changed after it was applied");
  });

  it("rolls back a failing migration completely", async () => {
    const directory = mkdtempSync(join(tmpdir(), "mig-"));
    writeFileSync(join(directory, "0001_ok.sql"), "CREATE TABLE half_done (id int);");
    writeFileSync(join(directory, "0002_broken.sql"), "THIS IS NOT SQL;");
    const freshDb = `fresh_${process.pid}`;
    await pool.query(`CREATE DATABASE ${freshDb}`);
    const fresh = newPool(postgres.url.replace(/\/todo$/, `/${freshDb}`));
    try {
      await expect(migrate(fresh, directory)).rejects.toThrow(/syntax error/);
      const { rows } = await fresh.query("SELECT to_regclass('half_done') AS t, to_regclass('schema_migrations') AS m");
      expect(rows[0]).toEqual({ t: null, m: null });
    } finally {
      await fresh.end();
    }
  });
});
