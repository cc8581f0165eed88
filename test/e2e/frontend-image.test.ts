// The real frontend image: built with BuildKit from the repo root, run as uid 1000 on a
// read-only root filesystem, proxying /api to a fake backend on loopback (host networking).
import { execFile } from "node:child_process";
import { createServer, get, type IncomingHttpHeaders, type Server } from "node:http";
import { join } from "node:path";
import { promisify } from "node:util";
import { brotliDecompressSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { hasCapabilities } from "../support/capabilities";
import {
  dockerBuild,
  dockerExec,
  dockerLogs,
  dockerRemove,
  dockerRunDetached,
  imageLabels,
  imageUser,
  waitForHttp,
} from "../support/docker";
import { freePort } from "../support/postgres";

const REPO_ROOT = join(__dirname, "..", "..");
const IMAGE = "todo-frontend:image-test";
const CONTAINER = `todo-frontend-image-test-${process.pid}`;

interface SeenRequest {
  method?: string;
  url?: string;
  headers: IncomingHttpHeaders;
  body: string;
}

describe.runIf(hasCapabilities("docker"))("frontend image", () => {
  const seen: SeenRequest[] = [];
  let fakeBackend: Server;
  let base: string;

  beforeAll(async () => {
    fakeBackend = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk) => (body += chunk));
      request.on("end", () => {
        seen.push({ method: request.method, url: request.url, headers: request.headers, body });
        response.writeHead(200, { "content-type": "application/json" });
        response.end(JSON.stringify({ items: [], nextCursor: null }));
      });
    });
    const backendPort = await freePort();
    await new Promise<void>((resolve) => fakeBackend.listen(backendPort, "127.0.0.1", resolve));

    await dockerBuild({ context: REPO_ROOT, dockerfile: "app/frontend/Dockerfile", tag: IMAGE });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    await dockerRunDetached({
      image: IMAGE,
      name: CONTAINER,
      readOnly: true,
      env: { PORT: String(port), BACKEND_URL: `http://127.0.0.1:${backendPort}` },
    });
    await waitForHttp(`${base}/healthz`, { timeoutMs: 60_000 }).catch(async (error) => {
      throw new Error(`${(error as Error).message}\ncontainer logs:\n${await dockerLogs(CONTAINER)}`);
    });
  }, 900_000);

  afterAll(async () => {
    await dockerRemove(CONTAINER);
    await new Promise((resolve) => fakeBackend?.close(resolve));
  });

  it("runs as uid 1000 by default", async () => {
    expect(await imageUser(IMAGE)).toBe("1000");
    expect(await dockerExec(CONTAINER, ["id", "-u"])).toBe("1000");
  });

  it("serves from a read-only root filesystem, writable only under /tmp", async () => {
    await expect(dockerExec(CONTAINER, ["touch", "/app/written"])).rejects.toThrow(/Read-only file system/);
    await expect(dockerExec(CONTAINER, ["touch", "/tmp/written"])).resolves.toBe("");
  });

  it("answers /healthz, and /readyz because the image holds the built app", async () => {
    const response = await fetch(`${base}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready" });
  });

  it("serves the built app: index.html revalidated, its hashed script cached as immutable", async () => {
    const index = await fetch(`${base}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get("cache-control")).toBe("no-cache");
    expect(index.headers.get("content-security-policy")).toContain("default-src 'self'");
    const html = await index.text();
    const script = html.match(/src="(\/assets\/index-[\w-]+\.js)"/)?.[1];
    expect(script, html).toBeDefined();
    const asset = await fetch(`${base}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
  });

  it("sends the script Brotli-compressed from the build's precompressed copy when the client accepts it", async () => {
    const html = await (await fetch(`${base}/`)).text();
    const script = html.match(/src="(\/assets\/index-[\w-]+\.js)"/)?.[1];
    const plain = Buffer.from(
      await (await fetch(`${base}${script}`, { headers: { "accept-encoding": "identity" } })).arrayBuffer(),
    );
    // Raw bytes as sent: node's http (unlike fetch) does not decode them.
    const sent = await new Promise<{ encoding?: string; body: Buffer }>((resolve, reject) => {
      get(`${base}${script}`, { headers: { "accept-encoding": "br" } }, (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({ encoding: response.headers["content-encoding"], body: Buffer.concat(chunks) }),
        );
      }).on("error", reject);
    });
    expect(sent.encoding).toBe("br");
    expect(sent.body.length).toBeLessThan(plain.length / 2);
    expect(brotliDecompressSync(sent.body).equals(plain)).toBe(true);
  });

  it("proxies /api to BACKEND_URL with the path, query and body intact", async () => {
    const response = await fetch(`${base}/api/todos`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": "image-test-1" },
      body: JSON.stringify({ title: "through the proxy" }),
    });
    expect(response.status).toBe(200);
    const request = seen.find((r) => r.headers["x-request-id"] === "image-test-1");
    expect(request).toMatchObject({ method: "POST", url: "/api/todos", body: '{"title":"through the proxy"}' });
  });

  it("carries OCI labels", async () => {
    const labels = await imageLabels(IMAGE);
    expect(labels["org.opencontainers.image.title"]).toBe("todo-frontend");
    expect(labels["org.opencontainers.image.source"]).toMatch(/^https:\/\//);
    expect(labels["org.opencontainers.image.base.name"]).toContain("node:24-bookworm-slim");
  });

  it("exits 0 on SIGTERM (graceful shutdown)", async () => {
    const run = promisify(execFile);
    await run("docker", ["stop", "--time", "10", CONTAINER]);
    const { stdout } = await run("docker", ["inspect", "--format", "{{.State.ExitCode}}", CONTAINER]);
    expect(stdout.trim()).toBe("0");
  });
});
