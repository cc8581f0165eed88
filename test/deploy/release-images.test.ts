// backendImage / frontendImage: the image a release runs instead of its AppImage. The whole program
// (index.ts) under mocks, loaded as the Pulumi language host loads it, plus the pure validation.
import { beforeAll, describe, expect, it } from "vitest";

import { migrationKey, migrationsDigest } from "../../components/migration-key";
import type { ChartValues } from "../../components/release-values";
import { imageOverrideProblem } from "../../config/images";
import { parsePlatformConfig } from "../../config/index";
import type { RegisteredResource } from "./support/program-mocks";
import { type ProgramRun, runProgram } from "./support/run-program";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const APP_IMAGE = "todo-platform:image:AppImage";
const COMMAND = "command:local:Command";
const BACKEND = "ghcr.io/acme/todo-backend:1.4.2-hotfix";
const FRONTEND = `registry.example.com:5000/team/todo-frontend@sha256:${"a1".repeat(32)}`;

const find = (run: ProgramRun, type: string, name: string): RegisteredResource => {
  const found = run.report.resources.find((r) => r.type === type && r.name === name);
  if (!found) throw new Error(`no ${type} named ${name}`);
  return found;
};
const valuesOf = (run: ProgramRun, release: string) => find(run, RELEASE, release).inputs.values as ChartValues;
const imageOf = (run: ProgramRun, release: string) => valuesOf(run, release).image;

describe("backendImage / frontendImage validation (pure)", () => {
  it.each([
    BACKEND,
    FRONTEND,
    "127.0.0.1:5000/todo-backend:engine-crash-1",
    "todo-backend:0a1b2c3d4e5f",
    `ghcr.io/acme/todo-backend:1.4.2@sha256:${"0".repeat(64)}`,
  ])("accepts the pinned reference %s", (ref) => {
    expect(imageOverrideProblem(ref, "backend")).toBeUndefined();
  });

  it.each([
    ["ghcr.io/acme/todo-backend", "has no tag"],
    ["ghcr.io/acme/todo-backend:latest", "moving `latest` tag"],
    ["ghcr.io/acme/todo-backend:LATEST", "moving `latest` tag"],
    ["localhost:5000/todo-backend", "has no tag"],
    ["docker://ghcr.io/acme/todo-backend:1", "must be a full image reference"],
    ["GHCR.io/Acme/todo-backend:1", "must be a full image reference"],
    ["", "must be a full image reference"],
  ])("refuses %s (%s), naming a pinned example", (ref, problem) => {
    expect(imageOverrideProblem(ref, "backend")).toContain(problem);
    expect(imageOverrideProblem(ref, "backend")).toContain("ghcr.io/acme/todo-backend:1.4.2");
  });

  it("names the key and the fix command in the config error", () => {
    expect(() =>
      parsePlatformConfig({ frontendImage: "ghcr.io/acme/todo-frontend:latest" }, { project: "p", stack: "dev" }),
    ).toThrow(
      /frontendImage: got "ghcr.io\/acme\/todo-frontend:latest": uses the moving `latest` tag.*; run `pulumi config set frontendImage ghcr.io\/acme\/todo-frontend:1.4.2`/,
    );
    const parsed = parsePlatformConfig({ backendImage: BACKEND }, { project: "p", stack: "dev" });
    expect(parsed.images.backendImage).toBe(BACKEND);
    expect(parsed.images.frontendImage).toBeUndefined();
  });
});

describe("the program with backendImage and frontendImage set (index.ts under mocks)", () => {
  let plain: ProgramRun;
  let pinned: ProgramRun;

  beforeAll(() => {
    plain = runProgram({});
    pinned = runProgram({ backendImage: BACKEND, frontendImage: FRONTEND });
  }, 240_000);

  it("both runs complete", () => {
    expect(plain.exitCode, plain.stderr).toBe(0);
    expect(pinned.exitCode, pinned.stderr).toBe(0);
  });

  it("runs the configured images with pullPolicy IfNotPresent; without the keys, the built images as before", () => {
    expect(imageOf(pinned, "backend")).toEqual({ ref: BACKEND, pullPolicy: "IfNotPresent" });
    expect(imageOf(pinned, "frontend")).toEqual({ ref: FRONTEND, pullPolicy: "IfNotPresent" });
    expect(imageOf(plain, "backend")).toEqual({
      ref: expect.stringMatching(/^todo-backend:[0-9a-f]{12}$/),
      pullPolicy: "Never",
    });
    expect(imageOf(plain, "frontend").ref).toMatch(/^todo-frontend:[0-9a-f]{12}$/);
  });

  it("still builds and loads both AppImages, with the same inputs as without the keys", () => {
    for (const name of ["backend", "frontend"]) {
      expect(find(pinned, APP_IMAGE, name)).toBeDefined();
      const loads = (run: ProgramRun) =>
        run.report.resources
          .filter((r) => r.type === COMMAND && r.parent?.endsWith(`::${name}`))
          .map((r) => ({ name: r.name, inputs: r.inputs }));
      expect(loads(pinned)).toEqual(loads(plain));
      expect(loads(pinned).length).toBeGreaterThan(0);
    }
  });

  it("reports the configured images in the outputs and the health check's triggers", () => {
    const backend = pinned.report.exports.backend?.value as { imageRef: string };
    const frontend = pinned.report.exports.frontend?.value as { imageRef: string };
    expect(backend.imageRef).toBe(BACKEND);
    expect(frontend.imageRef).toBe(FRONTEND);
    expect(find(pinned, COMMAND, "health-analysis").inputs.triggers).toEqual([
      "todo-backend@1",
      BACKEND,
      "todo-frontend@1",
      FRONTEND,
    ]);
  });

  it("keys the backend's migration hook by the built image's migrations, or by backendImage whose migrations are unknown", () => {
    const version = ""; // the mocks give the database Secret no resourceVersion
    expect(valuesOf(plain, "backend").migration.key).toBe(
      migrationKey({ migrationsDigest: migrationsDigest(), databaseVersion: version }),
    );
    expect(valuesOf(pinned, "backend").migration.key).toBe(
      migrationKey({ imageOverride: BACKEND, migrationsDigest: migrationsDigest(), databaseVersion: version }),
    );
    expect(valuesOf(pinned, "backend").migration.key).not.toBe(valuesOf(plain, "backend").migration.key);
    expect(valuesOf(plain, "frontend").migration).toMatchObject({ enabled: false, key: "" });
  });
});
