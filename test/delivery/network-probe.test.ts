// scripts/local-cluster/network-probe.ts without a cluster: the probe pod passes Pod Security
// `restricted` field by field, its verdict is read from its log, the node's image list is matched
// with Docker's short names, and the program the pod runs is run here, with this Node.js, against
// a local listener and a closed port.
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";

import {
  fullImageName,
  nodeHasImage,
  PROBE_IMAGE,
  PROBE_SCRIPT,
  parseTarget,
  probePod,
  probeResult,
} from "../../scripts/local-cluster/network-probe";

describe("parseTarget", () => {
  it.each([
    ["10.244.0.12:8080", { host: "10.244.0.12", port: 8080 }],
    ["web.np.svc.cluster.local:80", { host: "web.np.svc.cluster.local", port: 80 }],
    ["[fd00::1]:53", { host: "fd00::1", port: 53 }],
  ])("%s", (target, expected) => {
    expect(parseTarget(target)).toEqual(expected);
  });

  it.each(["10.0.0.1", "10.0.0.1:0", "10.0.0.1:65536", ":80", "a b:80", "host:http"])("refuses %s", (target) => {
    expect(() => parseTarget(target)).toThrow(/host:port/);
  });
});

describe("probePod", () => {
  const pod = probePod({
    name: "probe-1",
    namespace: "np",
    labels: { role: "client" },
    target: "10.244.0.12:8080",
    timeoutSeconds: 2.5,
  });
  const json = pod.toJSON() as {
    metadata: { labels: Record<string, string> };
    spec: {
      restartPolicy: string;
      automountServiceAccountToken: boolean;
      activeDeadlineSeconds: number;
      securityContext: Record<string, unknown>;
      containers: {
        image: string;
        imagePullPolicy: string;
        command: string[];
        env: { name: string; value: string }[];
        securityContext: Record<string, unknown>;
      }[];
    };
  };
  const container = json.spec.containers[0];

  it("is a valid Pod with the caller's labels and one run of the probe", () => {
    expect(() => pod.validate()).not.toThrow();
    expect(json.metadata.labels).toEqual({ "app.kubernetes.io/name": "network-probe", role: "client" });
    expect(json.spec.restartPolicy).toBe("Never");
    expect(json.spec.automountServiceAccountToken).toBe(false);
    expect(json.spec.activeDeadlineSeconds).toBeGreaterThan(3);
    expect(container?.command).toEqual(["node", "-e", PROBE_SCRIPT]);
    expect(container?.env).toEqual([
      { name: "PROBE_HOST", value: "10.244.0.12" },
      { name: "PROBE_PORT", value: "8080" },
      { name: "PROBE_TIMEOUT_MS", value: "2500" },
    ]);
  });

  it("meets Pod Security restricted: non-root by uid, seccomp RuntimeDefault, no capabilities, no escalation", () => {
    expect(json.spec.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 1000,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(container?.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    });
  });

  it("runs the image loaded into the node, never pulling it", () => {
    expect(container?.image).toBe(PROBE_IMAGE);
    expect(container?.imagePullPolicy).toBe("Never");
  });

  it("refuses a timeout that is not positive", () => {
    expect(() => probePod({ name: "p", namespace: "np", target: "a:1", timeoutSeconds: 0 })).toThrow(/timeoutSeconds/);
  });
});

describe("probeResult", () => {
  it("reads the last result line", () => {
    const log = 'noise\nPROBE {"reached":true,"detail":"connected to 10.0.0.1:80","ms":4,"attempts":1}\n';
    expect(probeResult(log, "Succeeded")).toEqual({
      reached: true,
      detail: "connected to 10.0.0.1:80 (4 ms, 1 attempt)",
    });
    expect(probeResult('PROBE {"reached":false,"detail":"ECONNREFUSED","ms":3001,"attempts":15}', "Failed")).toEqual({
      reached: false,
      detail: "ECONNREFUSED (3001 ms, 15 attempts)",
    });
  });

  it("without a result line, is not reached and says what the pod did", () => {
    const result = probeResult("", "Pending", "ErrImageNeverPull: image not present");
    expect(result.reached).toBe(false);
    expect(result.detail).toContain("pod Pending: ErrImageNeverPull");
  });
});

describe("the node's image list", () => {
  it.each([
    ["node:24-bookworm-slim", "docker.io/library/node:24-bookworm-slim"],
    ["todo-local/pause:3.10", "docker.io/todo-local/pause:3.10"],
    ["127.0.0.1:5000/library/node:24", "127.0.0.1:5000/library/node:24"],
    ["docker.io/library/node:24", "docker.io/library/node:24"],
  ])("%s is %s", (short, full) => {
    expect(fullImageName(short)).toBe(full);
  });

  it("finds the probe image under containerd's name only", () => {
    const loaded = [{ names: ["docker.io/library/node@sha256:abc", "docker.io/library/node:24-bookworm-slim"] }];
    expect(nodeHasImage(loaded, PROBE_IMAGE)).toBe(true);
    expect(nodeHasImage([{ names: ["127.0.0.1:5000/library/node:24-bookworm-slim"] }], PROBE_IMAGE)).toBe(false);
    expect(nodeHasImage([{}], PROBE_IMAGE)).toBe(false);
  });
});

describe("the probe program (run here with this Node.js)", () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  function runProbe(host: string, port: number, timeoutMs: number): Promise<{ code: number | null; out: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, ["-e", PROBE_SCRIPT], {
        env: { PROBE_HOST: host, PROBE_PORT: String(port), PROBE_TIMEOUT_MS: String(timeoutMs) },
      });
      let out = "";
      child.stdout.on("data", (chunk) => {
        out += chunk;
      });
      child.on("close", (code) => resolve({ code, out }));
    });
  }

  it("connects to a listener: exit 0, reached", async () => {
    server = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    const { code, out } = await runProbe("127.0.0.1", port, 2000);
    expect(code).toBe(0);
    expect(probeResult(out, "Succeeded")).toMatchObject({ reached: true });
  });

  it("retries while refused: reaches a listener that starts after the probe", async () => {
    const probeServer = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => probeServer.listen(0, "127.0.0.1", resolve));
    const { port } = probeServer.address() as { port: number };
    await new Promise<void>((resolve) => probeServer.close(() => resolve()));
    const running = runProbe("127.0.0.1", port, 5000);
    await new Promise((resolve) => setTimeout(resolve, 700));
    server = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => server?.listen(port, "127.0.0.1", resolve));
    const { code, out } = await running;
    expect(code).toBe(0);
    const result = probeResult(out, "Succeeded");
    expect(result.reached).toBe(true);
    expect(result.detail).toMatch(/ms, ([2-9]|\d\d+) attempts\)$/);
  });

  it("a closed port: exit 1, refused on every attempt until the timeout", async () => {
    server = createServer();
    await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    server = undefined;
    const started = Date.now();
    const { code, out } = await runProbe("127.0.0.1", port, 800);
    expect(code).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(800);
    expect(probeResult(out, "Failed")).toMatchObject({
      reached: false,
      detail: expect.stringMatching(/^ECONNREFUSED \(8\d\d ms, [3-9] attempts\)$/),
    });
  });
});
