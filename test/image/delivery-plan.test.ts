// Loader planning and pre-flight errors over fake probes (fake minikube/kind/docker answers).
import { describe, expect, it } from "vitest";

import { type ImagesConfig, imagesConfigSchema } from "../../config/images";
import {
  clusterIdentity,
  ImagePreflightError,
  type ImageProbes,
  loadCommandFor,
  minikubeVersionWarning,
  planDelivery,
  pullPolicyFor,
  shellQuote,
} from "../../lib/image-context/delivery-plan";
import { findMinikubeProfile, parseDockerEnv } from "../../lib/image-context/minikube";

const DOCKER_ENV = [
  "DOCKER_TLS_VERIFY=1",
  "DOCKER_HOST=tcp://192.168.49.2:2376",
  "DOCKER_CERT_PATH=/home/dev/.minikube/certs",
  "MINIKUBE_ACTIVE_DOCKERD=dev",
  "",
].join("\n");

function profiles(name: string, status: string, runtime: string, nodes = 1): string {
  const Nodes = Array.from({ length: nodes }, (_, i) => ({ Name: i === 0 ? "" : `m0${i + 1}`, ControlPlane: i === 0 }));
  return JSON.stringify({
    invalid: [],
    valid: [
      { Name: name, Status: status, Config: { Name: name, KubernetesConfig: { ContainerRuntime: runtime }, Nodes } },
    ],
  });
}

function fakeProbes(overrides: Partial<ImageProbes> = {}): ImageProbes {
  return {
    minikubeProfiles: () => ({ ok: true, stdout: profiles("minikube", "OK", "docker") }),
    minikubeVersion: () => ({
      ok: true,
      stdout: '{"commit":"c93a4cb9311efc66b90d33ea03f75f2c4120e9b0","minikubeVersion":"v1.38.1"}',
    }),
    minikubeDockerEnv: () => ({ ok: true, stdout: DOCKER_ENV }),
    kindClusters: () => ({ ok: true, stdout: "kind\nother\n" }),
    hostDocker: () => ({ ok: true, stdout: "20.10.24\n" }),
    fileExists: () => true,
    dockerDaemonId: (env) => ({ ok: true, stdout: env ? `MINIKUBE-ENGINE@${env.host}\n` : "HOST-ENGINE\n" }),
    containerId: (name) => ({ ok: true, stdout: `cid-${name}\n` }),
    ...overrides,
  };
}

const config = (input: Record<string, unknown> = {}): ImagesConfig => imagesConfigSchema.parse(input);
const plan = (cfg: ImagesConfig, probes: ImageProbes) => planDelivery(cfg, "/repo/app/backend/Dockerfile", probes);

function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ImagePreflightError);
    return (error as ImagePreflightError).problems;
  }
  throw new Error("expected an ImagePreflightError");
}

describe("parseDockerEnv", () => {
  it("reads `--shell none` output", () => {
    expect(parseDockerEnv(DOCKER_ENV)).toEqual({
      host: "tcp://192.168.49.2:2376",
      certPath: "/home/dev/.minikube/certs",
      tlsVerify: true,
    });
  });

  it('also reads the POSIX `export KEY="value"` form', () => {
    const posix =
      'export DOCKER_TLS_VERIFY="1"\nexport DOCKER_HOST="tcp://127.0.0.1:32771"\nexport DOCKER_CERT_PATH="/c d"\n# comment\n';
    expect(parseDockerEnv(posix)).toEqual({ host: "tcp://127.0.0.1:32771", certPath: "/c d", tlsVerify: true });
  });

  it("rejects output without DOCKER_HOST and TLS without certificates", () => {
    expect(() => parseDockerEnv("MINIKUBE_ACTIVE_DOCKERD=x\n")).toThrow("printed no DOCKER_HOST");
    expect(() => parseDockerEnv("DOCKER_HOST=tcp://h:2376\nDOCKER_TLS_VERIFY=1\n")).toThrow("no DOCKER_CERT_PATH");
  });
});

describe("findMinikubeProfile", () => {
  it("finds the profile's status and runtime, defaulting an empty runtime to docker", () => {
    expect(findMinikubeProfile(profiles("dev", "Stopped", "containerd"), "dev")).toEqual({
      name: "dev",
      status: "Stopped",
      containerRuntime: "containerd",
      nodes: 1,
    });
    expect(findMinikubeProfile(profiles("dev", "HAppy", "docker", 3), "dev")?.nodes).toBe(3);
    expect(findMinikubeProfile(profiles("dev", "Running", ""), "dev")?.containerRuntime).toBe("docker");
    expect(findMinikubeProfile(profiles("dev", "Running", "docker"), "minikube")).toBeUndefined();
  });

  it("says so when the output is not JSON", () => {
    expect(() => findMinikubeProfile("🤷 oops", "dev")).toThrow("printed no JSON");
  });
});

describe("planDelivery", () => {
  it("minikube with the docker runtime: builds into Minikube's daemon", () => {
    const result = plan(
      config({ minikubeProfile: "dev" }),
      fakeProbes({
        minikubeProfiles: () => ({ ok: true, stdout: profiles("dev", "Running", "docker") }),
      }),
    );
    expect(result).toEqual({
      kind: "minikube-docker-env",
      profile: "dev",
      dockerEnv: { host: "tcp://192.168.49.2:2376", certPath: "/home/dev/.minikube/certs", tlsVerify: true },
    });
    expect(pullPolicyFor(result)).toBe("Never");
    expect(loadCommandFor(result, "todo-backend:abc")).toBeUndefined();
  });

  it("minikube with containerd: builds on the host, then `minikube image load`", () => {
    const result = plan(
      config(),
      fakeProbes({
        minikubeProfiles: () => ({ ok: true, stdout: profiles("minikube", "Running", "containerd") }),
        minikubeDockerEnv: () => {
          throw new Error("docker-env must not be asked for a containerd cluster");
        },
      }),
    );
    expect(result).toEqual({
      kind: "minikube-image-load",
      profile: "minikube",
      containerRuntime: "containerd",
      nodes: 1,
    });
    // --daemon: from the host daemon only, never a fallback pull from a registry (v1.38.1 cmd/minikube/cmd/image.go).
    expect(loadCommandFor(result, "todo-backend:abc")).toBe(
      "minikube image load --daemon todo-backend:abc -p minikube",
    );
    expect(pullPolicyFor(result)).toBe("Never");
  });

  it("kind: `kind load docker-image --name <cluster>`", () => {
    const result = plan(config({ imageLoader: "kind", kindCluster: "other" }), fakeProbes());
    expect(result).toEqual({ kind: "kind-load", cluster: "other" });
    expect(loadCommandFor(result, "todo-frontend:0123456789ab")).toBe(
      "kind load docker-image todo-frontend:0123456789ab --name other",
    );
    expect(pullPolicyFor(result)).toBe("Never");
  });

  it("registry and none pull IfNotPresent", () => {
    const registry = plan(config({ imageLoader: "registry", imageRegistry: "ghcr.io/acme" }), fakeProbes());
    expect(registry).toEqual({ kind: "registry", registry: "ghcr.io/acme" });
    expect(pullPolicyFor(registry)).toBe("IfNotPresent");
    const none = plan(config({ imageLoader: "none" }), fakeProbes());
    expect(none).toEqual({ kind: "host-daemon" });
    expect(pullPolicyFor(none)).toBe("IfNotPresent");
  });

  it("minikube not installed names the install and the alternatives", () => {
    const problems = problemsOf(() =>
      plan(config(), fakeProbes({ minikubeProfiles: () => ({ ok: false, notInstalled: true, message: "ENOENT" }) })),
    );
    expect(problems).toEqual([
      "minikube is not installed: install it (https://minikube.sigs.k8s.io/docs/start/), or pick another loader with `pulumi config set imageLoader kind|registry|none`",
    ]);
  });

  it("a stopped or missing profile names `minikube start -p <profile>`", () => {
    const stopped = fakeProbes({
      minikubeProfiles: () => ({ ok: true, stdout: profiles("dev", "Stopped", "docker") }),
    });
    expect(problemsOf(() => plan(config({ minikubeProfile: "dev" }), stopped))).toEqual([
      'minikube profile "dev" is not running (status Stopped): run `minikube start -p dev`',
    ]);
    expect(problemsOf(() => plan(config({ minikubeProfile: "qa" }), stopped))[0]).toContain(
      'minikube profile "qa" does not exist: run `minikube start -p qa`',
    );
  });

  // Minikube >= 1.35 reports a running profile as "OK" (kubernetes/minikube#18998; v1.38.1
  // pkg/minikube/cluster/status.go codeNames), a healthy HA one as "HAppy"; older releases "Running".
  it.each(["OK", "Running", "HAppy"])("status %s is a running profile", (status) => {
    const probes = fakeProbes({ minikubeProfiles: () => ({ ok: true, stdout: profiles("dev", status, "docker") }) });
    expect(plan(config({ minikubeProfile: "dev" }), probes).kind).toBe("minikube-docker-env");
  });

  it.each([
    ["Stopped", "run `minikube start -p dev`"],
    ["Paused", "run `minikube unpause -p dev`"],
    ["Degraded", "start it with `minikube node start <node> -p dev`"],
    ["Starting", "wait until `minikube status -p dev` settles"],
    ["InsufficientStorage", "out of disk space"],
    ["Misconfigured", "run `minikube update-context -p dev`"],
    ["Error", "`minikube logs -p dev` tells why"],
  ])("status %s is refused before any build, with its own advice", (status, advice) => {
    const probes = fakeProbes({ minikubeProfiles: () => ({ ok: true, stdout: profiles("dev", status, "docker") }) });
    const [problem, ...rest] = problemsOf(() => plan(config({ minikubeProfile: "dev" }), probes));
    expect(rest).toEqual([]);
    expect(problem).toContain(`minikube profile "dev" is not running (status ${status})`);
    expect(problem).toContain(advice);
  });

  it("a multi-node docker-runtime profile is built on the host and loaded: `minikube docker-env` refuses it", () => {
    const probes = fakeProbes({
      minikubeProfiles: () => ({ ok: true, stdout: profiles("dev", "OK", "docker", 2) }),
      minikubeDockerEnv: () => {
        throw new Error("docker-env must not be asked for a multi-node profile");
      },
    });
    const result = plan(config({ minikubeProfile: "dev" }), probes);
    expect(result).toEqual({ kind: "minikube-image-load", profile: "dev", containerRuntime: "docker", nodes: 2 });
    expect(loadCommandFor(result, "todo-backend:abc")).toBe("minikube image load --daemon todo-backend:abc -p dev");
  });

  it("warns, never fails, when minikube is outside the tested releases", () => {
    const version = (v: string) =>
      fakeProbes({ minikubeVersion: () => ({ ok: true, stdout: `{"commit":"x","minikubeVersion":"${v}"}` }) });
    expect(minikubeVersionWarning(version("v1.38.1"))).toBeUndefined();
    expect(minikubeVersionWarning(version("v1.35.0"))).toBeUndefined();
    expect(minikubeVersionWarning(version("v1.34.0"))).toMatch(
      /^minikube v1\.34\.0 is older than 1\.35\.0.*upgrade it/,
    );
    expect(minikubeVersionWarning(version("v1.39.0"))).toMatch(/^minikube v1\.39\.0 is newer than 1\.38\.1/);
    expect(
      minikubeVersionWarning(fakeProbes({ minikubeVersion: () => ({ ok: false, notInstalled: false, message: "x" }) })),
    ).toBeUndefined();
  });

  it("an unreachable Docker daemon and a missing Dockerfile are both reported, before any build", () => {
    const problems = problemsOf(() =>
      plan(
        config({ imageLoader: "none" }),
        fakeProbes({
          hostDocker: () => ({
            ok: false,
            notInstalled: false,
            message: "Cannot connect to the Docker daemon at unix:///var/run/docker.sock.\nmore",
          }),
          fileExists: () => false,
        }),
      ),
    );
    expect(problems).toEqual([
      "Dockerfile not found at /repo/app/backend/Dockerfile: create it or fix the `dockerfile` path (relative to the context)",
      "the Docker daemon is unreachable (Cannot connect to the Docker daemon at unix:///var/run/docker.sock.): start it (`sudo systemctl start docker` or open Docker Desktop) or point DOCKER_HOST at a running daemon",
    ]);
  });

  it("a missing kind cluster names `kind create cluster`", () => {
    expect(problemsOf(() => plan(config({ imageLoader: "kind", kindCluster: "dev" }), fakeProbes()))).toEqual([
      'kind cluster "dev" does not exist: run `kind create cluster --name dev`',
    ]);
  });

  it("containerd minikube still needs the host daemon to build", () => {
    const problems = problemsOf(() =>
      plan(
        config(),
        fakeProbes({
          minikubeProfiles: () => ({ ok: true, stdout: profiles("minikube", "Running", "crio") }),
          hostDocker: () => ({ ok: false, notInstalled: true, message: "docker not found" }),
        }),
      ),
    );
    expect(problems[0]).toMatch(/^the docker CLI is not installed.*minikube image load/);
  });
});

describe("shellQuote", () => {
  it("leaves safe words alone and single-quotes the rest", () => {
    expect(shellQuote("todo-backend:abc")).toBe("todo-backend:abc");
    expect(shellQuote("a b'c")).toBe("'a b'\\''c'");
  });
});

describe("imagesConfigSchema", () => {
  it("defaults to the minikube loader and profile", () => {
    expect(config()).toMatchObject({ imageLoader: "minikube", minikubeProfile: "minikube", kindCluster: "kind" });
  });

  it.each([
    [{ imageLoader: "registry" }, "imageRegistry", "pulumi config set imageRegistry"],
    [{ imageRegistry: "https://ghcr.io/acme" }, "imageRegistry", "without scheme"],
    [{ imageRegistryUsername: "ci" }, "imageRegistryPassword", "pulumi config set --secret imageRegistryPassword"],
    [{ imageRegistryPassword: "s3cret" }, "imageRegistryUsername", "pulumi config set imageRegistryUsername"],
    [{ minikubeProfile: "my profile" }, "minikubeProfile", "minikube profile name"],
  ])("%j is rejected on %s with the fix", (input, key, fix) => {
    const result = imagesConfigSchema.safeParse(input);
    expect(result.success).toBe(false);
    const issue = result.error?.issues.find((candidate) => candidate.path[0] === key);
    expect(issue?.message).toContain(fix);
  });

  it("accepts registry prefixes with ports and paths", () => {
    expect(
      imagesConfigSchema.safeParse({ imageLoader: "registry", imageRegistry: "localhost:5000/team" }).success,
    ).toBe(true);
  });
});

describe("clusterIdentity (which cluster instance holds the images)", () => {
  it("is Minikube's Docker engine ID for docker-env builds, asked through Minikube's daemon", () => {
    const probes = fakeProbes();
    expect(clusterIdentity(plan(config(), probes), probes)).toBe(
      "docker-engine:MINIKUBE-ENGINE@tcp://192.168.49.2:2376",
    );
  });

  it("is the node container's ID for `minikube image load` and kind", () => {
    const containerd = fakeProbes({
      minikubeProfiles: () => ({ ok: true, stdout: profiles("minikube", "Running", "containerd") }),
    });
    expect(clusterIdentity(plan(config(), containerd), containerd)).toBe("node-container:cid-minikube");
    const kind = fakeProbes();
    expect(clusterIdentity(plan(config({ imageLoader: "kind", kindCluster: "other" }), kind), kind)).toBe(
      "node-container:cid-other-control-plane",
    );
  });

  it("is undefined where nothing is loaded (registry, host daemon) or the probe fails (never an error)", () => {
    const probes = fakeProbes();
    expect(clusterIdentity({ kind: "registry", registry: "r.example.com/t" }, probes)).toBeUndefined();
    expect(clusterIdentity({ kind: "host-daemon" }, probes)).toBeUndefined();
    const failing = fakeProbes({
      dockerDaemonId: () => ({ ok: false, notInstalled: true, message: "docker not found" }),
    });
    expect(clusterIdentity(plan(config(), failing), failing)).toBeUndefined();
  });
});
