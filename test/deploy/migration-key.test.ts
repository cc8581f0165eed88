// The key that lets an upgrade skip the backend's migration hook (components/migration-key.ts):
// it must change whenever the hook could apply something new, and only then.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterEach, describe, expect, it } from "vitest";

import { MIGRATIONS_DIR, migrationKey, migrationsDigest } from "../../components/migration-key";
import { REPO_ROOT } from "./support/run-program";

const BASE = { migrationsDigest: "d".repeat(64), databaseVersion: "4711" };

describe("migrationKey (pure)", () => {
  it("is a stable sha256 of its inputs", () => {
    expect(migrationKey(BASE)).toMatch(/^[0-9a-f]{64}$/);
    expect(migrationKey({ ...BASE })).toBe(migrationKey(BASE));
  });

  it.each([
    ["the migrations change", { migrationsDigest: "e".repeat(64) }],
    ["the database Secret changes (another DATABASE_URL)", { databaseVersion: "4712" }],
    ["the database Secret's version is not known", { databaseVersion: "" }],
    ["backendImage replaces the built image", { imageOverride: "ghcr.io/acme/todo-backend:1.4.2" }],
  ])("changes when %s", (_, change) => {
    expect(migrationKey({ ...BASE, ...change })).not.toBe(migrationKey(BASE));
  });

  it("follows the overriding image, not the local migrations, while backendImage is set", () => {
    const image = { ...BASE, imageOverride: "ghcr.io/acme/todo-backend:1.4.2" };
    expect(migrationKey({ ...image, migrationsDigest: "e".repeat(64) })).toBe(migrationKey(image));
    expect(migrationKey({ ...image, imageOverride: "ghcr.io/acme/todo-backend:1.4.3" })).not.toBe(migrationKey(image));
  });
});

describe("migrationsDigest (the migration files)", () => {
  let copy: string | undefined;
  afterEach(() => {
    if (copy) rmSync(copy, { recursive: true, force: true });
    copy = undefined;
  });

  it("digests the directory the backend's Dockerfile copies into the image", () => {
    const dockerfile = readFileSync(join(REPO_ROOT, "app", "backend", "Dockerfile"), "utf8");
    const copied = relative(REPO_ROOT, MIGRATIONS_DIR).split("\\").join("/");
    expect(dockerfile).toContain(`COPY ${copied} ${copied}`);
  });

  it("changes when a migration is added or edited, and not for a copy of the same files", () => {
    copy = mkdtempSync(join(tmpdir(), "migrations-"));
    cpSync(MIGRATIONS_DIR, copy, { recursive: true });
    const before = migrationsDigest(copy);
    expect(before).toBe(migrationsDigest());
    writeFileSync(join(copy, "9999_add_due_date.sql"), "ALTER TABLE todos ADD COLUMN due date;\n");
    const added = migrationsDigest(copy);
    expect(added).not.toBe(before);
    writeFileSync(join(copy, "9999_add_due_date.sql"), "ALTER TABLE todos ADD COLUMN due_on date;\n");
    expect(migrationsDigest(copy)).not.toBe(added);
  });
});
