// Builds one image straight into Minikube's Docker daemon, asking `minikube docker-env` for the
// daemon's address when the build runs. The AppImage Command runs this file as its interpreter, so
// no daemon address ever enters Pulumi state: with the Docker driver on macOS and Windows the
// published port changes on every `minikube start` (kubernetes/minikube#6824), and a host kept in a
// provider's state made the next `destroy` or `refresh` fail to connect. The Command starts `node`
// directly (its `interpreter`) with the request as one argument, not a shell line, so the same
// inputs work on Windows, where a shell line would run under `cmd /C`.
import { type SpawnSyncReturns, spawnSync } from "node:child_process";
import { isAbsolute } from "node:path";
import { type DockerEnv, parseDockerEnv } from "./minikube";

/** What the Command's `create` carries: JSON, paths relative to the Command's `dir`. */
export interface MinikubeBuildRequest {
  profile: string;
  /** `<imageName>:<content hash>` */
  tag: string;
  /** The build context, relative to the Command's dir ("." for the repo root). */
  context: string;
  /** The Dockerfile, relative to the Command's dir. */
  dockerfile: string;
  buildArgs?: Record<string, string>;
}

/** The request from the Command's one argument, or a message naming what is wrong. Pure. */
export function parseBuildRequest(text: string | undefined): MinikubeBuildRequest | { problem: string } {
  let doc: Partial<MinikubeBuildRequest>;
  try {
    doc = JSON.parse(text ?? "") as Partial<MinikubeBuildRequest>;
  } catch {
    return { problem: `expected one JSON build request argument, got ${JSON.stringify(text ?? "")}` };
  }
  for (const field of ["profile", "tag", "context", "dockerfile"] as const) {
    if (typeof doc[field] !== "string" || !doc[field]) return { problem: `the build request has no ${field}` };
  }
  const request = doc as MinikubeBuildRequest;
  if (isAbsolute(request.context) || isAbsolute(request.dockerfile)) {
    // An absolute path would make the Command's inputs, and so its diff, depend on the checkout's location.
    return { problem: "the build request's context and dockerfile must be relative to the Command's dir" };
  }
  return request;
}

/** The `docker build` argument list. Pure. */
export function dockerBuildArgs(request: MinikubeBuildRequest): string[] {
  const buildArgs = Object.entries(request.buildArgs ?? {}).flatMap(([key, value]) => [
    "--build-arg",
    `${key}=${value}`,
  ]);
  return ["build", "--tag", request.tag, "--file", request.dockerfile, ...buildArgs, request.context];
}

/**
 * The docker client's environment pointed at Minikube's daemon, as `eval $(minikube docker-env)`
 * would set it. A DOCKER_CONTEXT or a selected buildx builder would send the build elsewhere (the
 * image must land in the node's own daemon, where the kubelet finds it), so both are overridden. Pure.
 */
export function minikubeDockerClientEnv(base: NodeJS.ProcessEnv, dockerEnv: DockerEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, DOCKER_HOST: dockerEnv.host, BUILDX_BUILDER: "default" };
  delete env.DOCKER_CONTEXT;
  delete env.DOCKER_TLS_VERIFY;
  delete env.DOCKER_CERT_PATH;
  if (dockerEnv.tlsVerify) env.DOCKER_TLS_VERIFY = "1";
  if (dockerEnv.certPath) env.DOCKER_CERT_PATH = dockerEnv.certPath;
  return env;
}

/** The reason a spawned tool failed, in one line. */
function failure(tool: string, result: SpawnSyncReturns<string>): string {
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT") return `${tool} not found on PATH`;
  const said = `${result.stderr ?? ""}`.trim() || `${result.stdout ?? ""}`.trim();
  return `${tool} exited with ${result.status ?? result.signal}${said ? `: ${said}` : ""}`;
}

/**
 * What to do after `minikube docker-env` refused. On a pipe it prints only "false exit code <n>"
 * (exit.SetShell), so the exit code is all there is: v1.38.1 pkg/minikube/reason/exitcodes.go. Pure.
 */
export function dockerEnvAdvice(code: number | null, profile: string): string {
  const p = `-p ${profile}`;
  switch (code) {
    case 85: // ExGuestNotFound
      return `The profile does not exist: run \`minikube start ${p}\` (or \`pulumi config set minikubeProfile <name>\`), then \`pulumi up\` again.`;
    case 83: // ExGuestNotRunning
      return `The profile is not running: run \`minikube start ${p}\`, then \`pulumi up\` again.`;
    case 81: // ENV_MULTINODE_CONFLICT: a node was added since the preview chose docker-env
      return "docker-env refuses multi-node profiles: run `pulumi up` again, and the images are built on the host and `minikube image load`ed.";
    case 51: // ENV_DRIVER_CONFLICT
      return "The 'none' driver has no separate Docker daemon: set `pulumi config set imageLoader none` to build on this host's daemon.";
    default:
      return `Check \`minikube status ${p}\`; after \`minikube start ${p}\`, run \`pulumi up\` again.`;
  }
}

export interface BuildIo {
  env: NodeJS.ProcessEnv;
  stdout(text: string): void;
  stderr(text: string): void;
}

/** Runs the build; returns the exit code. stdout gets one JSON line: the tag and the image ID. */
export function buildIntoMinikube(argument: string | undefined, io: BuildIo): number {
  const request = parseBuildRequest(argument);
  if ("problem" in request) {
    io.stderr(`minikube-docker-build: ${request.problem}\n`);
    return 2;
  }
  const p = request.profile;
  const envResult = spawnSync("minikube", ["docker-env", "--shell", "none", "-p", p], {
    encoding: "utf8",
    env: io.env,
    timeout: 60_000,
  });
  if (envResult.status !== 0) {
    io.stderr(
      `could not reach minikube profile "${p}"'s Docker daemon: ${failure("minikube docker-env", envResult)}\n` +
        `${dockerEnvAdvice(envResult.status, p)}\n`,
    );
    return 1;
  }
  let dockerEnv: DockerEnv;
  try {
    dockerEnv = parseDockerEnv(envResult.stdout);
  } catch (error) {
    io.stderr(`${(error as Error).message}\n`);
    return 1;
  }
  const env = minikubeDockerClientEnv(io.env, dockerEnv);
  io.stderr(`building ${request.tag} in minikube profile "${p}"'s Docker daemon (${dockerEnv.host})\n`);
  // The build log goes to stderr: the Command keeps stdout in state, and logs stderr to the update.
  const build = spawnSync("docker", dockerBuildArgs(request), { env, stdio: ["ignore", 2, 2], encoding: "utf8" });
  if (build.status !== 0) {
    io.stderr(`${failure("docker build", build)}\n`);
    return 1;
  }
  // Proof the image is where the kubelet looks (the chart's pull policy is Never).
  const inspect = spawnSync("docker", ["image", "inspect", "--format", "{{.Id}}", request.tag], {
    env,
    encoding: "utf8",
  });
  if (inspect.status !== 0) {
    io.stderr(
      `the build finished but minikube's daemon has no ${request.tag}: ${failure("docker image inspect", inspect)}\n`,
    );
    return 1;
  }
  io.stdout(`${JSON.stringify({ tag: request.tag, imageId: inspect.stdout.trim() })}\n`);
  return 0;
}

if (require.main === module) {
  process.exitCode = buildIntoMinikube(process.argv[2], {
    env: process.env,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  });
}
