// The key of what a backend release's migration hook applies: which migrations, to which database.
// The chart records it in a ConfigMap once the release is deployed and skips the hook while the
// key stays the same (charts/todo-service/templates/migration-job.yaml), so a source-only edit
// does not pay for a Job pod on every `pulumi up`.
import { createHash } from "node:crypto";
import { join } from "node:path";

import { directoryDigest } from "./chart";

/** The backend's migrations, as the Dockerfile copies them into the image. */
export const MIGRATIONS_DIR = join(__dirname, "..", "app", "backend", "migrations");

/** Digest of the migration files (names and bytes), as MigrationKeyInput.migrationsDigest wants it. */
export function migrationsDigest(dir: string = MIGRATIONS_DIR): string {
  return directoryDigest(dir);
}

export interface MigrationKeyInput {
  /**
   * The image the release runs when it is not the built one (config backendImage): its migrations
   * are unknown here, so the image itself stands for them.
   */
  imageOverride?: string;
  /** Digest of the migration files the built image holds (migrationsDigest()). */
  migrationsDigest: string;
  /**
   * What changes when DATABASE_URL may point at another database: the version of its Secret. Empty
   * while unknown, which still gives a key of its own.
   */
  databaseVersion: string;
}

/** sha256 of the migrations (or the overriding image) and the database version. Pure. */
export function migrationKey(input: MigrationKeyInput): string {
  const migrations =
    input.imageOverride === undefined ? `digest:${input.migrationsDigest}` : `image:${input.imageOverride}`;
  return createHash("sha256").update(`${migrations}\0database:${input.databaseVersion}`).digest("hex");
}
