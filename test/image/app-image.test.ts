// AppImage under Pulumi mocks: for each loader, which resources it creates, their key arguments,
// and that the reference handed to the chart is the built tag (the pushed digest for registry).
// Environment probes are fakes (a fake minikube/kind/docker), injected through `probes`.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { type ImagesConfig, imagesConfigSchema } from "../../config/images";
import { contentTag, hashBuildContext } from "../../lib/image-context/context-hash";
import type { ImageProbes } from "../../lib/image-context/delivery-plan";

type ImageModule = typeof import("../../components/image");

interface Recorded {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  provider?: string;
}

const recorded: Recorded[] = [];
const DIGEST = `sha256:${"d".repeat(64)}`;
let mod: ImageModule;
let context: string;

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        recorded.push({ type: args.type, name: args.name, inputs: args.inputs, provider: args.provider });
        const state: Record<string, unknown> = { ...args.inputs };
        if (args.type === "docker-build:index:Image") state.digest = DIGEST;
        return { id: `${args.name}-id`, state };
      },
      call: (args) => args.inputs,
    },
    "todo-platform",
    "test",
    false,
  );
  mod = await import("../../components/image.js");
  context = mkdtempSync(join(tmpdir(), "app-image-"));
  mkdirSync(join(context, "app/backend/src"), { recursive: true });
  writeFileSync(join(context, "app/backend/Dockerfile"), "FROM node:24-bookworm-slim\nCOPY app/backend/src /app\n");
  writeFileSync(join(context, "app/backend/src/server.js"), "console.log('hi')\n");
});

afterAll(() => rmSync(context, { recursive: true, force: true }));

function output<T>(value: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => value.apply(resolve));
}

const profiles = (runtime: string) =>
  JSON.stringify({
    valid: [{ Name: "dev", Status: "OK", Config: { KubernetesConfig: { ContainerRuntime: runtime } } }],
  });

function fakeProbes(runtime = "docker", engineId = "ENGINE-A"): ImageProbes {
  return {
    minikubeProfiles: () => ({ ok: true, stdout: profiles(runtime) }),
    minikubeVersion: () => ({
      ok: true,
      stdout: '{"commit":"c93a4cb9311efc66b90d33ea03f75f2c4120e9b0","minikubeVersion":"v1.38.1"}',
    }),
    minikubeDockerEnv: () => ({
      ok: true,
      stdout: "DOCKER_TLS_VERIFY=1\nDOCKER_HOST=tcp://192.168.58.2:2376\nDOCKER_CERT_PATH=/home/dev/.minikube/certs\n",
    }),
    kindClusters: () => ({ ok: true, stdout: "kind\n" }),
    hostDocker: () => ({ ok: true, stdout: "20.10.24" }),
    fileExists: () => true,
    dockerDaemonId: (env) => (env ? { ok: true, stdout: `${engineId}\n` } : { ok: true, stdout: "HOST-ENGINE\n" }),
    containerId: (name) => ({ ok: true, stdout: `cid-${name}\n` }),
  };
}

/** Resource options of the children, as Pulumi hands them to transformations. */
const childOptions = new Map<string, pulumi.CustomResourceOptions>();

async function build(
  name: string,
  loader: Record<string, unknown>,
  probes = fakeProbes(),
  buildArgs?: Record<string, string>,
) {
  const cfg: ImagesConfig = imagesConfigSchema.parse(loader);
  const image = new mod.AppImage(
    name,
    {
      imageName: "todo-backend",
      context,
      dockerfile: "app/backend/Dockerfile",
      buildArgs,
      loader: cfg,
      probes,
    },
    {
      transformations: [
        (args) => {
          childOptions.set(args.name, args.opts as pulumi.CustomResourceOptions);
          return undefined;
        },
      ],
    },
  );
  const [tag, imageRef, pullPolicy] = await Promise.all([
    output(image.tag),
    output(image.imageRef),
    output(image.pullPolicy),
  ]);
  const mine = recorded.filter((resource) => resource.name.startsWith(name));
  return { tag, imageRef, pullPolicy, resources: mine, byType: (type: string) => mine.filter((r) => r.type === type) };
}

const expectedTag = (buildArgs?: Record<string, string>) =>
  contentTag("todo-backend", hashBuildContext({ context, dockerfile: "app/backend/Dockerfile", buildArgs }).digest);

describe("AppImage under mocks", () => {
  it("minikube + docker runtime: one Command builds into Minikube's daemon, asking docker-env when it runs", async () => {
    const result = await build("mk-docker", { imageLoader: "minikube", minikubeProfile: "dev" });
    expect(result.tag).toBe(expectedTag());
    expect(result.tag).toMatch(/^todo-backend:[a-f0-9]{12}$/);
    expect(result.imageRef).toBe(result.tag);
    expect(result.pullPolicy).toBe("Never");
    expect(result.resources.map((r) => r.type).sort()).toEqual([
      "command:local:Command",
      "todo-platform:image:AppImage",
    ]);
    const [buildCommand] = result.byType("command:local:Command");
    expect(buildCommand?.inputs).toMatchObject({
      interpreter: mod.MINIKUBE_BUILD_INTERPRETER,
      dir: resolve(__dirname, "../.."),
      triggers: [result.tag, "docker-engine:ENGINE-A"],
      logging: "stderr",
      addPreviousOutputInEnv: false,
    });
    // No shell line: node starts the build script directly, so cmd /C on Windows never sees it.
    expect(mod.MINIKUBE_BUILD_INTERPRETER[0]).toBe("node");
    const request = JSON.parse(String(buildCommand?.inputs.create));
    expect(request).toEqual({
      profile: "dev",
      tag: result.tag,
      context: relative(resolve(__dirname, "../.."), context),
      dockerfile: join(relative(resolve(__dirname, "../.."), context), "app/backend/Dockerfile"),
    });
    // The daemon's address is read when the build runs, never stored in state.
    expect(JSON.stringify(buildCommand?.inputs)).not.toContain("192.168.58.2");
    expect(JSON.stringify(buildCommand?.inputs)).not.toContain("certs");
  });

  it("the program's own context (the repo root) gives a request without any absolute path", () => {
    const root = resolve(__dirname, "../..");
    const args = {
      imageName: "todo-backend",
      context: root,
      dockerfile: "app/backend/Dockerfile",
      loader: imagesConfigSchema.parse({}),
      buildArgs: { VITE_API: "/api" },
    };
    expect(mod.minikubeBuildRequest(args, "minikube", "todo-backend:abc", root)).toEqual({
      profile: "minikube",
      tag: "todo-backend:abc",
      context: ".",
      dockerfile: "app/backend/Dockerfile",
      buildArgs: { VITE_API: "/api" },
    });
  });

  it("`minikube stop` + `minikube start` (new published port, same engine): the Command's inputs are identical, so the next preview is a no-op", async () => {
    const restarted = (host: string): ImageProbes => ({
      ...fakeProbes("docker"),
      minikubeDockerEnv: () => ({
        ok: true,
        stdout: `DOCKER_TLS_VERIFY=1\nDOCKER_HOST=${host}\nDOCKER_CERT_PATH=/home/dev/.minikube/certs\nMINIKUBE_ACTIVE_DOCKERD=dev\n`,
      }),
    });
    const before = await build(
      "mk-port-a",
      { imageLoader: "minikube", minikubeProfile: "dev" },
      restarted("tcp://127.0.0.1:32771"),
    );
    const after = await build(
      "mk-port-b",
      { imageLoader: "minikube", minikubeProfile: "dev" },
      restarted("tcp://127.0.0.1:55012"),
    );
    const inputsOf = (result: typeof before) => result.byType("command:local:Command")[0]?.inputs;
    expect(inputsOf(before)).toBeDefined();
    expect(inputsOf(after)).toEqual(inputsOf(before));
  });

  it("a re-created Minikube (new Docker engine, same tag) gets the image again: the engine ID is a trigger", async () => {
    const before = await build(
      "mk-engine-a",
      { imageLoader: "minikube", minikubeProfile: "dev" },
      fakeProbes("docker"),
    );
    const after = await build(
      "mk-engine-b",
      { imageLoader: "minikube", minikubeProfile: "dev" },
      fakeProbes("docker", "ENGINE-B"),
    );
    expect(after.tag).toBe(before.tag);
    expect(before.byType("command:local:Command")[0]?.inputs.triggers).toEqual([before.tag, "docker-engine:ENGINE-A"]);
    expect(after.byType("command:local:Command")[0]?.inputs.triggers).toEqual([after.tag, "docker-engine:ENGINE-B"]);
  });

  it("a multi-node docker-runtime profile (docker-env refuses it) is built on the host and `minikube image load`ed", async () => {
    const twoNodes: ImageProbes = {
      ...fakeProbes("docker"),
      minikubeProfiles: () => ({
        ok: true,
        stdout: JSON.stringify({
          valid: [
            {
              Name: "dev",
              Status: "OK",
              Config: { KubernetesConfig: { ContainerRuntime: "docker" }, Nodes: [{ Name: "" }, { Name: "m02" }] },
            },
          ],
        }),
      }),
      minikubeDockerEnv: () => {
        throw new Error("docker-env must not be asked for a multi-node profile");
      },
    };
    const result = await build("mk-multi", { imageLoader: "minikube", minikubeProfile: "dev" }, twoNodes);
    expect(result.byType("docker-build:index:Image")[0]?.inputs).toMatchObject({ load: true, push: false });
    expect(result.byType("command:local:Command")[0]?.inputs.create).toBe(
      `minikube image load --daemon ${result.tag} -p dev`,
    );
  });

  it("without a cluster identity (engine unreadable) only the tag decides", async () => {
    const unreadable: ImageProbes = {
      ...fakeProbes("containerd"),
      containerId: () => ({ ok: false, notInstalled: false, message: "No such object: dev" }),
    };
    const result = await build("mk-vm", { imageLoader: "minikube", minikubeProfile: "dev" }, unreadable);
    expect(result.byType("command:local:Command")[0]?.inputs.triggers).toEqual([result.tag]);
  });

  it("minikube + containerd: host build with docker-build (load, no push), then `minikube image load` on tag change", async () => {
    const result = await build(
      "mk-containerd",
      { imageLoader: "minikube", minikubeProfile: "dev" },
      fakeProbes("containerd"),
    );
    expect(result.imageRef).toBe(result.tag);
    expect(result.pullPolicy).toBe("Never");
    const [image] = result.byType("docker-build:index:Image");
    expect(image?.inputs).toMatchObject({ tags: [result.tag], push: false, load: true, buildOnPreview: false });
    expect(image?.inputs.context).toEqual({ location: context });
    expect(image?.inputs.dockerfile).toEqual({ location: join(context, "app/backend/Dockerfile") });
    const [load] = result.byType("command:local:Command");
    expect(load?.inputs).toMatchObject({
      create: `minikube image load --daemon ${result.tag} -p dev`,
      triggers: [result.tag, "node-container:cid-dev"],
    });
    // A re-created cluster rebuilds too: the host copy `image load --daemon` reads may have been pruned.
    expect(childOptions.get("mk-containerd")?.replacementTrigger).toBe("node-container:cid-dev");
  });

  it("kind: host build, then `kind load docker-image --name <cluster>`", async () => {
    const result = await build("kind", { imageLoader: "kind" });
    expect(result.imageRef).toBe(result.tag);
    expect(result.pullPolicy).toBe("Never");
    expect(result.byType("docker-build:index:Image")[0]?.inputs).toMatchObject({
      push: false,
      load: true,
      tags: [result.tag],
    });
    expect(result.byType("command:local:Command")[0]?.inputs).toMatchObject({
      create: `kind load docker-image ${result.tag} --name kind`,
      triggers: [result.tag, "node-container:cid-kind-control-plane"],
    });
  });

  it("registry: pushes with the secret credentials; the chart gets the pushed digest", async () => {
    const result = await build("reg", {
      imageLoader: "registry",
      imageRegistry: "registry.example.com:5000/team",
      imageRegistryUsername: "ci",
      imageRegistryPassword: "s3cret",
    });
    const hash = result.tag.split(":")[1];
    expect(result.imageRef).toBe(`registry.example.com:5000/team/todo-backend@${DIGEST}`);
    expect(result.pullPolicy).toBe("IfNotPresent");
    const [image] = result.byType("docker-build:index:Image");
    expect(image?.inputs).toMatchObject({
      push: true,
      load: false,
      tags: [`registry.example.com:5000/team/todo-backend:${hash}`],
    });
    // The password travels as a Pulumi secret (the engine's secret envelope), never in plain state.
    expect(image?.inputs.registries).toEqual({
      "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
      value: [{ address: "registry.example.com:5000", username: "ci", password: "s3cret" }],
    });
    expect(result.byType("command:local:Command")).toEqual([]);
  });

  it("none: host build only, IfNotPresent", async () => {
    const result = await build("none", { imageLoader: "none" });
    expect(result.imageRef).toBe(result.tag);
    expect(result.pullPolicy).toBe("IfNotPresent");
    expect(result.resources.map((r) => r.type).sort()).toEqual([
      "docker-build:index:Image",
      "todo-platform:image:AppImage",
    ]);
  });

  it("build args change the tag and reach the build", async () => {
    const result = await build("args", { imageLoader: "none" }, fakeProbes(), { NODE_ENV: "production" });
    expect(result.tag).toBe(expectedTag({ NODE_ENV: "production" }));
    expect(result.tag).not.toBe(expectedTag());
    expect(result.byType("docker-build:index:Image")[0]?.inputs.buildArgs).toEqual({ NODE_ENV: "production" });
  });

  it("fails before creating any image when the pre-flight finds a stopped profile", async () => {
    const before = recorded.length;
    const stopped: ImageProbes = {
      ...fakeProbes(),
      minikubeProfiles: () => ({
        ok: true,
        stdout: JSON.stringify({ valid: [{ Name: "dev", Status: "Stopped", Config: {} }] }),
      }),
    };
    await expect(build("stopped", { imageLoader: "minikube", minikubeProfile: "dev" }, stopped)).rejects.toThrow(
      "run `minikube start -p dev`",
    );
    expect(recorded.slice(before).filter((r) => r.type !== "todo-platform:image:AppImage")).toEqual([]);
  });

  it("rejects bad arguments naming the field", () => {
    const loader = imagesConfigSchema.parse({ imageLoader: "none" });
    const probes = fakeProbes();
    expect(
      () =>
        new mod.AppImage("bad-name", {
          imageName: "Todo Backend",
          context,
          dockerfile: "app/backend/Dockerfile",
          loader,
          probes,
        }),
    ).toThrow(/imageName/);
    expect(
      () =>
        new mod.AppImage("bad-ctx", {
          imageName: "todo-backend",
          context: "relative",
          dockerfile: "Dockerfile",
          loader,
          probes,
        }),
    ).toThrow(/context.*absolute/s);
    expect(
      () =>
        new mod.AppImage("bad-df", { imageName: "todo-backend", context, dockerfile: "../Dockerfile", loader, probes }),
    ).toThrow(/dockerfile/);
  });

  it("without injected probes under mocks, assumes a healthy docker-runtime Minikube (for other components' tests)", async () => {
    const image = new mod.AppImage("default-probes", {
      imageName: "todo-backend",
      context,
      dockerfile: "app/backend/Dockerfile",
      loader: imagesConfigSchema.parse({}),
    });
    expect(await output(image.pullPolicy)).toBe("Never");
    expect(await output(image.imageRef)).toBe(expectedTag());
  });
});
