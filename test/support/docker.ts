// Real Docker helpers for image tests: build with BuildKit, run with host networking, clean up.
import { execFile, spawn } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

async function docker(args: string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  try {
    const { stdout } = await run("docker", args, {
      env: { ...process.env, DOCKER_BUILDKIT: "1", ...options.env },
      maxBuffer: 64 * 1024 * 1024,
      timeout: options.timeoutMs ?? 600_000,
    });
    return stdout.trim();
  } catch (error) {
    const err = error as { stderr?: string; stdout?: string; message: string };
    throw new Error(`docker ${args.join(" ")} failed:\n${err.stderr || err.stdout || err.message}`);
  }
}

export interface BuildOptions {
  /** Build context directory (the repo root for the app images). */
  context: string;
  /** Dockerfile path, absolute or relative to the context. */
  dockerfile: string;
  tag: string;
  buildArgs?: Record<string, string>;
  labels?: Record<string, string>;
  target?: string;
}

/** Builds an image with BuildKit (honours `<Dockerfile>.dockerignore`); returns the wall time. */
export async function dockerBuild(options: BuildOptions): Promise<{ durationMs: number }> {
  const args = ["build", "--file", options.dockerfile, "--tag", options.tag];
  for (const [key, value] of Object.entries(options.buildArgs ?? {})) args.push("--build-arg", `${key}=${value}`);
  for (const [key, value] of Object.entries(options.labels ?? {})) args.push("--label", `${key}=${value}`);
  if (options.target) args.push("--target", options.target);
  args.push(options.context);
  const started = performance.now();
  await docker(args, { timeoutMs: 900_000 });
  return { durationMs: performance.now() - started };
}

export interface RunOptions {
  image: string;
  name: string;
  env?: Record<string, string>;
  /** Arguments after the image (the container's command). */
  command?: string[];
  /** Read-only root filesystem with a tmpfs at /tmp, as the charts run it. */
  readOnly?: boolean;
  user?: string;
}

function runArgs(options: RunOptions): string[] {
  const args = ["--name", options.name, "--network", "host"];
  if (options.readOnly) args.push("--read-only", "--tmpfs", "/tmp:rw,size=64m");
  if (options.user) args.push("--user", options.user);
  for (const [key, value] of Object.entries(options.env ?? {})) args.push("--env", `${key}=${value}`);
  return [...args, options.image, ...(options.command ?? [])];
}

/** Runs a container to completion; returns its exit code and output. */
export async function dockerRunToCompletion(
  options: RunOptions,
  timeoutMs = 120_000,
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("docker", ["run", "--rm", ...runArgs(options)], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      void dockerRemove(options.name);
      reject(new Error(`container ${options.name} did not finish within ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ exitCode: code ?? -1, stdout, stderr });
    });
  });
}

/** Starts a detached container; remove it with dockerRemove. */
export async function dockerRunDetached(options: RunOptions): Promise<string> {
  await dockerRemove(options.name);
  return docker(["run", "--detach", ...runArgs(options)]);
}

export async function dockerRemove(name: string): Promise<void> {
  await docker(["rm", "--force", "--volumes", name]).catch(() => {});
}

export async function dockerLogs(name: string): Promise<string> {
  const { stdout, stderr } = await run("docker", ["logs", name], { maxBuffer: 16 * 1024 * 1024 }).catch((e) => e);
  return `${stdout ?? ""}${stderr ?? ""}`;
}

/** Runs `docker exec` in a running container and returns stdout. */
export async function dockerExec(name: string, command: string[]): Promise<string> {
  return docker(["exec", name, ...command]);
}

export async function imageSizeBytes(image: string): Promise<number> {
  return Number(await docker(["image", "inspect", "--format", "{{.Size}}", image]));
}

export async function imageLabels(image: string): Promise<Record<string, string>> {
  return JSON.parse(await docker(["image", "inspect", "--format", "{{json .Config.Labels}}", image])) ?? {};
}

export async function imageUser(image: string): Promise<string> {
  return docker(["image", "inspect", "--format", "{{.Config.User}}", image]);
}

/** Polls an HTTP URL until it answers with the expected status or the deadline passes. */
export async function waitForHttp(url: string, options: { status?: number; timeoutMs?: number } = {}): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let last = "no answer";
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.status === (options.status ?? 200)) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url} did not answer ${options.status ?? 200} in time (last: ${last})`);
}
