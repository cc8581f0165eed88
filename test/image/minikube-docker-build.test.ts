// The build into Minikube's Docker daemon (lib/image-context/minikube-docker-build.ts), run the way
// the command provider runs it: the interpreter's argv plus the request as the last argument, no
// shell. minikube is the fake at test/fakes/bin/minikube (v1.38.1's docker-env output and exit
// codes). For the real build, a TLS endpoint with client certificates stands where Minikube's
// dockerd listens on 2376, in front of the real local Docker daemon, and moves port on "restart".
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect, type Server } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join, relative, resolve } from "node:path";
import { createServer } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { MINIKUBE_BUILD_INTERPRETER } from "../../components/image";
import {
  dockerBuildArgs,
  dockerEnvAdvice,
  minikubeDockerClientEnv,
  parseBuildRequest,
} from "../../lib/image-context/minikube-docker-build";
import { hasCapabilities } from "../support/capabilities";

const ROOT = resolve(__dirname, "../..");
const FAKES = join(ROOT, "test/fakes/bin");

/** Runs the build script exactly as the Command would: interpreter argv + create, no shell. */
function runAsProvider(request: unknown, env: NodeJS.ProcessEnv) {
  const [bin, ...rest] = MINIKUBE_BUILD_INTERPRETER;
  return spawnSync(bin as string, [...rest, JSON.stringify(request)], {
    cwd: ROOT,
    env: { ...env, PATH: `${FAKES}${delimiter}${process.env.PATH}` },
    encoding: "utf8",
    timeout: 300_000,
  });
}

/** The same, without blocking this process: the TLS endpoint below lives in it. */
function runAsProviderAsync(
  request: unknown,
  env: NodeJS.ProcessEnv,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const [bin, ...rest] = MINIKUBE_BUILD_INTERPRETER;
  return new Promise((done, fail) => {
    const child = spawn(bin as string, [...rest, JSON.stringify(request)], {
      cwd: ROOT,
      env: { ...env, PATH: `${FAKES}${delimiter}${process.env.PATH}` },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", fail);
    child.on("close", (status) => done({ status, stdout, stderr }));
  });
}

describe("minikube-docker-build (pure parts)", () => {
  it("accepts a request with relative paths and refuses what cannot work, naming the field", () => {
    const ok = { profile: "dev", tag: "todo-backend:abc", context: ".", dockerfile: "app/backend/Dockerfile" };
    expect(parseBuildRequest(JSON.stringify(ok))).toEqual(ok);
    expect(parseBuildRequest("not json")).toEqual({
      problem: 'expected one JSON build request argument, got "not json"',
    });
    expect(parseBuildRequest(undefined)).toMatchObject({ problem: expect.stringContaining("expected one JSON") });
    expect(parseBuildRequest(JSON.stringify({ ...ok, tag: "" }))).toEqual({ problem: "the build request has no tag" });
    expect(parseBuildRequest(JSON.stringify({ ...ok, context: "/home/me/todo" }))).toMatchObject({
      problem: expect.stringContaining("relative to the Command's dir"),
    });
  });

  it("builds with the tag, the Dockerfile, the build args and the context, in that order", () => {
    expect(
      dockerBuildArgs({ profile: "p", tag: "t:1", context: ".", dockerfile: "d/Dockerfile", buildArgs: { A: "1 2" } }),
    ).toEqual(["build", "--tag", "t:1", "--file", "d/Dockerfile", "--build-arg", "A=1 2", "."]);
  });

  it("points the docker client at Minikube's daemon, overriding a DOCKER_CONTEXT and a selected buildx builder", () => {
    const env = minikubeDockerClientEnv(
      { PATH: "/bin", DOCKER_CONTEXT: "desktop-linux", BUILDX_BUILDER: "container", DOCKER_TLS_VERIFY: "" },
      { host: "tcp://127.0.0.1:32771", certPath: "/m/certs", tlsVerify: true },
    );
    expect(env).toEqual({
      PATH: "/bin",
      DOCKER_HOST: "tcp://127.0.0.1:32771",
      DOCKER_TLS_VERIFY: "1",
      DOCKER_CERT_PATH: "/m/certs",
      BUILDX_BUILDER: "default",
    });
  });

  it("turns docker-env's bare exit codes into advice (on a pipe it prints only `false exit code <n>`)", () => {
    expect(dockerEnvAdvice(85, "dev")).toContain("does not exist: run `minikube start -p dev`");
    expect(dockerEnvAdvice(83, "dev")).toContain("not running: run `minikube start -p dev`");
    expect(dockerEnvAdvice(81, "dev")).toContain("multi-node");
    expect(dockerEnvAdvice(51, "dev")).toContain("imageLoader none");
    expect(dockerEnvAdvice(1, "dev")).toContain("`minikube status -p dev`");
  });
});

describe("minikube-docker-build with the fake minikube (refusals, no Docker needed)", () => {
  const request = { profile: "minikube", tag: "todo-fake:1", context: ".", dockerfile: "app/backend/Dockerfile" };

  it("fake: a stopped profile fails before any docker call, naming `minikube start -p <profile>`", () => {
    const result = runAsProvider(request, { ...process.env, FAKE_MINIKUBE_STATUS: "Stopped", PATH: "" });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("minikube docker-env exited with 83: false exit code 83");
    expect(result.stderr).toContain("The profile is not running: run `minikube start -p minikube`");
  });

  it("fake: a profile that does not exist says so (exit 85)", () => {
    const result = runAsProvider({ ...request, profile: "qa" }, process.env);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("exited with 85");
    expect(result.stderr).toContain("The profile does not exist: run `minikube start -p qa`");
  });

  it("fake: a malformed request exits 2 with the reason, and runs nothing", () => {
    const [bin, ...rest] = MINIKUBE_BUILD_INTERPRETER;
    const result = spawnSync(bin as string, [...rest, "{}"], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, PATH: `${FAKES}${delimiter}${process.env.PATH}` },
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("the build request has no profile");
  });
});

/** A TLS endpoint requiring a client certificate, relaying to the local Docker socket: what 2376 is on a Minikube node. */
function tlsDaemonProxy(certs: string): Promise<{ server: Server; port: number; handshakes: () => number }> {
  let handshakes = 0;
  const server = createServer(
    {
      key: readFileSync(join(certs, "server-key.pem")),
      cert: readFileSync(join(certs, "server-cert.pem")),
      ca: readFileSync(join(certs, "ca.pem")),
      requestCert: true,
      rejectUnauthorized: true,
    },
    (client) => {
      handshakes++;
      const daemon = connect("/var/run/docker.sock");
      client.pipe(daemon).pipe(client);
      const close = () => {
        client.destroy();
        daemon.destroy();
      };
      client.on("error", close);
      daemon.on("error", close);
    },
  );
  return new Promise((ready) =>
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      ready({ server, port: typeof address === "object" && address ? address.port : 0, handshakes: () => handshakes });
    }),
  );
}

/** ca.pem, cert.pem and key.pem as in ~/.minikube/certs, plus the daemon's server pair. */
function makeCerts(dir: string): void {
  const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  ssl(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "1",
    "-subj",
    "/CN=minikubeCA",
    "-keyout",
    "ca-key.pem",
    "-out",
    "ca.pem",
  );
  writeFileSync(join(dir, "server.ext"), "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
  ssl(
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-subj",
    "/CN=minikube",
    "-keyout",
    "server-key.pem",
    "-out",
    "server.csr",
  );
  ssl(
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca-key.pem",
    "-CAcreateserial",
    "-days",
    "1",
    "-extfile",
    "server.ext",
    "-out",
    "server-cert.pem",
  );
  writeFileSync(join(dir, "client.ext"), "extendedKeyUsage=clientAuth\n");
  ssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=minikube-user", "-keyout", "key.pem", "-out", "client.csr");
  ssl(
    "x509",
    "-req",
    "-in",
    "client.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca-key.pem",
    "-CAcreateserial",
    "-days",
    "1",
    "-extfile",
    "client.ext",
    "-out",
    "cert.pem",
  );
}

describe.runIf(hasCapabilities("docker"))(
  "minikube-docker-build into a real daemon behind Minikube's TLS endpoint",
  () => {
    const work = mkdtempSync(join(tmpdir(), "minikube-build-"));
    const certs = join(work, "certs");
    // Relative to the Command's dir, as the request must be; the context itself lives in a temp dir.
    const context = join(work, "context");
    const tag = `todo-minikube-build-test:${process.pid}`;
    const proxies: Server[] = [];

    beforeAll(() => {
      mkdirSync(certs);
      makeCerts(certs);
      mkdirSync(context, { recursive: true });
      writeFileSync(join(context, "Dockerfile"), `FROM node:24-bookworm-slim\nARG MARK\nLABEL todo.test.mark=$MARK\n`);
    });

    afterAll(() => {
      for (const proxy of proxies) proxy.close();
      spawnSync("docker", ["image", "rm", "-f", tag]);
      rmSync(work, { recursive: true, force: true });
    });

    const request = {
      profile: "minikube",
      tag,
      context: relative(ROOT, context),
      dockerfile: relative(ROOT, join(context, "Dockerfile")),
      buildArgs: { MARK: "first" },
    };

    async function buildBehindProxy(mark: string) {
      const proxy = await tlsDaemonProxy(certs);
      proxies.push(proxy.server);
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        FAKE_MINIKUBE_DOCKER_HOST: `tcp://127.0.0.1:${proxy.port}`,
        FAKE_MINIKUBE_CERT_PATH: certs,
      };
      delete env.DOCKER_HOST;
      const result = await runAsProviderAsync({ ...request, buildArgs: { MARK: mark } }, env);
      return { result, proxy };
    }

    it("builds through the TLS endpoint that docker-env names, and proves the image is there", async () => {
      const { result, proxy } = await buildBehindProxy("first");
      expect(result.stderr).toContain(
        `building ${tag} in minikube profile "minikube"'s Docker daemon (tcp://127.0.0.1:${proxy.port})`,
      );
      expect(result.status, result.stderr).toBe(0);
      expect(proxy.handshakes()).toBeGreaterThan(0);
      const reported = JSON.parse(result.stdout) as { tag: string; imageId: string };
      expect(reported.tag).toBe(tag);
      expect(reported.imageId).toMatch(/^sha256:[a-f0-9]{64}$/);
      const label = execFileSync(
        "docker",
        ["image", "inspect", "--format", '{{index .Config.Labels "todo.test.mark"}}', tag],
        { encoding: "utf8" },
      );
      expect(label.trim()).toBe("first");
    }, 300_000);

    it("after a restart moved the daemon's port, the same inputs build again: the address is read at run time", async () => {
      const { result, proxy } = await buildBehindProxy("second");
      expect(result.status, result.stderr).toBe(0);
      expect(result.stderr).toContain(`(tcp://127.0.0.1:${proxy.port})`);
      expect(proxy.handshakes()).toBeGreaterThan(0);
      const label = execFileSync(
        "docker",
        ["image", "inspect", "--format", '{{index .Config.Labels "todo.test.mark"}}', tag],
        { encoding: "utf8" },
      );
      expect(label.trim()).toBe("second");
    }, 300_000);

    it("without the client certificate the daemon refuses, and the build fails with docker's reason", async () => {
      const proxy = await tlsDaemonProxy(certs);
      proxies.push(proxy.server);
      const empty = join(work, "no-certs");
      mkdirSync(empty);
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        FAKE_MINIKUBE_DOCKER_HOST: `tcp://127.0.0.1:${proxy.port}`,
        FAKE_MINIKUBE_CERT_PATH: empty,
      };
      const result = await runAsProviderAsync(request, env);
      expect(result.status).toBe(1);
      expect(result.stdout).toBe("");
      // docker's own reason reaches the update log (its stderr is the script's), then the summary line.
      expect(result.stderr).toMatch(/ca\.pem|certificate|tls/i);
      expect(result.stderr).toContain("docker build exited with 1");
    }, 120_000);
  },
);
