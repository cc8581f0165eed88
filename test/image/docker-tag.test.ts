// Content tags against real Docker. The build arguments are not re-typed here: the real index.ts
// runs under mocks (imageLoader none, so each AppImage registers a docker-build Image through
// hostBuildArgs) and the test reads context, Dockerfile, build args and tag from what it registered.
// The tag must be the content-hash function's, the backend image must build from exactly the files
// that hash sees (copied into a temporary tree, so the working tree is never touched), and then:
// a backend source edit changes only the backend tag and its rebuilt image carries the edit; edits
// to ignored files change neither tag.
import { execFile } from "node:child_process";
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { contentTag, hashBuildContext } from "../../lib/image-context/context-hash";
import { REPO_ROOT, runProgram } from "../deploy/support/run-program";
import { hasCapabilities } from "../support/capabilities";
import { dockerBuild } from "../support/docker";

const run = promisify(execFile);

/** The docker-build Image inputs the program registered for one app image (hostBuildArgs' shape). */
interface RegisteredBuild {
  imageName: string;
  tag: string;
  /** Absolute build context. */
  context: string;
  /** Dockerfile relative to the context. */
  dockerfile: string;
  buildArgs: Record<string, string> | undefined;
  push: unknown;
  load: unknown;
}

function registeredBuilds(): Record<"backend" | "frontend", RegisteredBuild> {
  // Pulumi's language host runs a tsconfig with noCheck as ts-node transpileOnly; do the same here.
  const previous = process.env.TS_NODE_TRANSPILE_ONLY;
  process.env.TS_NODE_TRANSPILE_ONLY = "true";
  let program: ReturnType<typeof runProgram>;
  try {
    program = runProgram({ imageLoader: "none" });
  } finally {
    if (previous === undefined) delete process.env.TS_NODE_TRANSPILE_ONLY;
    else process.env.TS_NODE_TRANSPILE_ONLY = previous;
  }
  const pick = (name: "backend" | "frontend"): RegisteredBuild => {
    const resource = program.report.resources.find((r) => r.type === "docker-build:index:Image" && r.name === name);
    if (!resource) {
      throw new Error(
        `index.ts registered no docker-build Image "${name}" (exit ${program.exitCode}):\n${program.stderr}`,
      );
    }
    const inputs = resource.inputs as {
      tags: string[];
      context: { location: string };
      dockerfile: { location: string };
      buildArgs?: Record<string, string>;
      push?: unknown;
      load?: unknown;
    };
    expect(inputs.tags, `${name} tags`).toHaveLength(1);
    const tag = inputs.tags[0] as string;
    return {
      imageName: tag.slice(0, tag.lastIndexOf(":")),
      tag,
      context: inputs.context.location,
      dockerfile: relative(inputs.context.location, inputs.dockerfile.location),
      buildArgs: inputs.buildArgs,
      push: inputs.push,
      load: inputs.load,
    };
  };
  return { backend: pick("backend"), frontend: pick("frontend") };
}

/** The tag the component computes for `build` when its context is `context`. */
function tagIn(context: string, build: RegisteredBuild): string {
  const hash = hashBuildContext({ context, dockerfile: build.dockerfile, buildArgs: build.buildArgs });
  return contentTag(build.imageName, hash.digest);
}

/** Copies exactly the entries the hash (and so BuildKit) sees for each build, modes included. */
function copyBuildInputs(from: string, to: string, builds: RegisteredBuild[], extraFiles: string[]): void {
  const dirModes = new Map<string, number>();
  const copyFile = (path: string) => {
    mkdirSync(dirname(join(to, path)), { recursive: true });
    cpSync(join(from, path), join(to, path), { verbatimSymlinks: true });
  };
  for (const build of builds) {
    const { entries, ignoreFile } = hashBuildContext({
      context: from,
      dockerfile: build.dockerfile,
      buildArgs: build.buildArgs,
    });
    for (const entry of entries) {
      if (entry.kind === "dir") {
        mkdirSync(join(to, entry.path), { recursive: true });
        dirModes.set(entry.path, entry.mode);
      } else copyFile(entry.path);
    }
    // Sent even when the ignore file excludes them.
    copyFile(build.dockerfile);
    if (ignoreFile) copyFile(ignoreFile);
  }
  for (const path of extraFiles) copyFile(path);
  // Directory modes count in the hash (file modes are kept by cpSync).
  for (const [path, mode] of dirModes) chmodSync(join(to, path), mode);
}

async function imageId(tag: string): Promise<string | undefined> {
  try {
    const { stdout } = await run("docker", ["image", "inspect", "--format", "{{.Id}}", tag]);
    return stdout.trim();
  } catch {
    return undefined;
  }
}

/** Files under the image's bundle directory that contain `text`. */
async function bundleFilesContaining(tag: string, text: string): Promise<string[]> {
  const { stdout } = await run("docker", [
    "run",
    "--rm",
    "--network",
    "none",
    "--entrypoint",
    "sh",
    tag,
    "-c",
    `grep -rlF -- '${text}' /app/app/backend/dist || true`,
  ]);
  return stdout.split("\n").filter(Boolean);
}

// Ignored by app/backend/Dockerfile.dockerignore, yet beside or inside included directories.
const IGNORED_NEIGHBOURS = ["app/backend/tsconfig.json", "app/backend/vitest.config.ts"];

describe.runIf(hasCapabilities("docker"))("content tags with real Docker (backend built as index.ts builds it)", () => {
  let builds: Record<"backend" | "frontend", RegisteredBuild>;
  let copy: string;
  const createdTags: string[] = [];

  beforeAll(() => {
    builds = registeredBuilds();
    copy = mkdtempSync(join(tmpdir(), "docker-tag-"));
    copyBuildInputs(REPO_ROOT, copy, [builds.backend, builds.frontend], IGNORED_NEIGHBOURS);
  }, 180_000);

  afterAll(async () => {
    if (createdTags.length > 0) await run("docker", ["image", "rm", ...createdTags]).catch(() => {});
    if (copy) rmSync(copy, { recursive: true, force: true });
  });

  it("the program builds from the repo root on the host daemon, tagged by the content hash", () => {
    for (const build of [builds.backend, builds.frontend]) {
      expect(build.context).toBe(REPO_ROOT);
      expect(build.push).toBe(false);
      expect(build.load).toBe(true);
      expect(build.tag).toMatch(/^todo-(backend|frontend):[0-9a-f]{12}$/);
      expect(build.tag).toBe(tagIn(REPO_ROOT, build));
    }
    expect(builds.backend.dockerfile).toBe("app/backend/Dockerfile");
  });

  it("the copied build inputs hash to the same tags as the working tree", () => {
    expect(tagIn(copy, builds.backend)).toBe(builds.backend.tag);
    expect(tagIn(copy, builds.frontend)).toBe(builds.frontend.tag);
  });

  it("a backend source edit changes only the backend tag, and the new tag's image carries the edit", async () => {
    const backend = builds.backend;
    const build = async (tag: string) => {
      if ((await imageId(tag)) === undefined) createdTags.push(tag);
      await dockerBuild({
        context: copy,
        dockerfile: join(copy, backend.dockerfile),
        tag,
        buildArgs: backend.buildArgs,
      });
    };
    // Built from nothing but the files the hash saw: the hash leaves out nothing the build needs.
    await build(backend.tag);
    const before = await imageId(backend.tag);
    expect(before).toBeDefined();

    const marker = `docker-tag-test-${process.pid}-${Date.now()}`;
    // A top-level side effect, so the bundler keeps it.
    writeFileSync(
      join(copy, "app/backend/src/logger.ts"),
      `${readFileSync(join(copy, "app/backend/src/logger.ts"), "utf8")}\n(globalThis as Record<string, unknown>).__tagTestMarker = "${marker}";\n`,
    );
    const backendTag = tagIn(copy, backend);
    expect(backendTag).not.toBe(backend.tag);
    expect(backendTag.startsWith(`${backend.imageName}:`)).toBe(true);
    expect(tagIn(copy, builds.frontend)).toBe(builds.frontend.tag);

    await build(backendTag);
    const after = await imageId(backendTag);
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
    expect(await bundleFilesContaining(backendTag, marker)).toContain("/app/app/backend/dist/main.js");
    expect(await bundleFilesContaining(backend.tag, marker)).toEqual([]);
  }, 900_000);

  it("edits to files the backend ignore file excludes keep both tags", () => {
    const backendTag = tagIn(copy, builds.backend);
    const frontendTag = tagIn(copy, builds.frontend);
    // Edit existing ignored files, and add ignored ones inside included and excluded directories.
    for (const path of IGNORED_NEIGHBOURS) writeFileSync(join(copy, path), "// edited by docker-tag.test.ts\n");
    const added = {
      "app/backend/README.md": "# edited\n",
      "app/backend/src/logger.test.ts": "it('is ignored', () => {});\n",
      "app/backend/test/extra.test.ts": "it('is ignored', () => {});\n",
      "app/backend/node_modules/left-pad/index.js": "module.exports = 1;\n",
      "app/backend/dist/main.js": "stale build output\n",
    };
    for (const [path, text] of Object.entries(added)) {
      mkdirSync(dirname(join(copy, path)), { recursive: true });
      writeFileSync(join(copy, path), text);
    }
    expect(tagIn(copy, builds.backend)).toBe(backendTag);
    expect(tagIn(copy, builds.frontend)).toBe(frontendTag);
  });
});
