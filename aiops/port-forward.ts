// Our own `kubectl port-forward` to the kagent controller, on a free port we choose. kagent's built-in
// forward uses a fixed port with ~1 s to come up, which is unreliable in scripts and collides with
// anything else on 8083.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { killGroup } from "./exec";

export interface PortForward {
  url: string;
  stop(): void;
}

export async function freeLocalPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

export interface PortForwardOptions {
  context?: string;
  namespace: string;
  service: string;
  remotePort: number;
  env?: NodeJS.ProcessEnv;
  /** How long to wait for "Forwarding from". @default 10000 */
  readyTimeoutMs?: number;
}

/** Starts the forward and resolves once kubectl says it is listening; rejects with kubectl's reason. */
export async function startPortForward(options: PortForwardOptions): Promise<PortForward> {
  const port = await freeLocalPort();
  const args = [
    ...(options.context ? ["--context", options.context] : []),
    "port-forward",
    `service/${options.service}`,
    `${port}:${options.remotePort}`,
    "--namespace",
    options.namespace,
    "--address",
    "127.0.0.1",
  ];
  const child = spawn("kubectl", args, {
    env: options.env ?? process.env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stop = () => killGroup(child.pid);
  return new Promise((resolve, reject) => {
    let stderr = "";
    const fail = (reason: string) => {
      clearTimeout(timer);
      stop();
      reject(new Error(`kubectl port-forward to ${options.namespace}/${options.service} failed: ${reason}`));
    };
    const timer = setTimeout(
      () => fail(`not listening after ${options.readyTimeoutMs ?? 10_000} ms ${stderr.trim()}`.trim()),
      options.readyTimeoutMs ?? 10_000,
    );
    child.on("error", (error: NodeJS.ErrnoException) =>
      fail(error.code === "ENOENT" ? "kubectl is not installed (not found on PATH)" : error.message),
    );
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("exit", (code) => fail(`exited with code ${code}: ${stderr.trim() || "no output"}`));
    child.stdout.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("Forwarding from")) {
        clearTimeout(timer);
        child.removeAllListeners("exit");
        resolve({ url: `http://127.0.0.1:${port}`, stop });
      }
    });
  });
}
