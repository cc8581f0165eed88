// The fake minikube (test/fakes/bin/minikube) prints what minikube v1.38.1's source prints; these
// tests run it for each call the image loader and the pre-flights make and read the output with the
// program's own parsers, so a parser that only fits our guesses fails here.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  findMinikubeProfile,
  parseDockerEnv,
  parseMinikubeVersion,
  profileStatusProblem,
  RUNNING_STATUSES,
} from "../../lib/image-context/minikube";
import { LAPTOP_VERSIONS, versionWarning } from "../../lib/laptop-versions";

const FAKE = resolve(__dirname, "../fakes/bin/minikube");

let state: string;
beforeEach(() => {
  state = mkdtempSync(join(tmpdir(), "minikube-fake-"));
});
afterEach(() => rmSync(state, { recursive: true, force: true }));

function minikube(args: string[], vars: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [FAKE, ...args], {
    encoding: "utf8",
    env: { PATH: process.env.PATH, HOME: "/home/dev", FAKE_STATE_DIR: state, ...vars },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("fake minikube: profile list -o json", () => {
  it("reports a running profile as OK, the default since v1.35, and the pre-flight accepts it", () => {
    const { code, stdout, stderr } = minikube(["profile", "list", "-o", "json"]);
    expect(code).toBe(0);
    expect(stderr).toBe("");
    // os.Stdout.Write of a marshalled map: keys sorted, no newline.
    expect(
      stdout.startsWith('{"invalid":[],"valid":[{"Name":"minikube","Status":"OK","Config":{"Name":"minikube",'),
    ).toBe(true);
    expect(stdout.endsWith("}")).toBe(true);
    const profile = findMinikubeProfile(stdout, "minikube");
    expect(profile).toEqual({ name: "minikube", status: "OK", containerRuntime: "docker", nodes: 1 });
    expect(profileStatusProblem("minikube", profile?.status ?? "")).toBeUndefined();
  });

  it("carries the whole ClusterConfig, with Driver, KubernetesConfig.ContainerRuntime and the Nodes", () => {
    const doc = JSON.parse(minikube(["profile", "list", "-o", "json"], { FAKE_MINIKUBE_NODES: "2" }).stdout);
    const [item] = doc.valid;
    expect(Object.keys(item)).toEqual(["Name", "Status", "Config", "Active", "ActiveKubeContext"]);
    expect(item.Config.Driver).toBe("docker");
    expect(item.Config.KubernetesConfig.ContainerRuntime).toBe("docker");
    expect(item.Config.Nodes.map((n: { Name: string; ControlPlane: boolean }) => [n.Name, n.ControlPlane])).toEqual([
      ["", true],
      ["m02", false],
    ]);
    expect(findMinikubeProfile(JSON.stringify(doc), "minikube")?.nodes).toBe(2);
  });

  it.each(RUNNING_STATUSES)("accepts a profile whose status is %s", (status) => {
    const out = minikube(["profile", "list", "-o", "json"], { FAKE_MINIKUBE_STATUS: status }).stdout;
    expect(profileStatusProblem("minikube", findMinikubeProfile(out, "minikube")?.status ?? "")).toBeUndefined();
  });

  it.each(["Stopped", "Paused", "Degraded", "Unknown"])("refuses a profile whose status is %s", (status) => {
    const out = minikube(["profile", "list", "-o", "json"], { FAKE_MINIKUBE_STATUS: status }).stdout;
    expect(profileStatusProblem("minikube", findMinikubeProfile(out, "minikube")?.status ?? "")).toContain(
      `(status ${status})`,
    );
  });

  it("says Skipped with --light, which is not a status a deploy can go on with", () => {
    const out = minikube(["profile", "list", "-o", "json", "--light"]).stdout;
    expect(findMinikubeProfile(out, "minikube")?.status).toBe("Skipped");
  });

  it("lists nothing when there is no profile, and another runtime and driver show up", () => {
    expect(minikube(["profile", "list", "-o", "json"], { FAKE_MINIKUBE_PROFILE: "" }).stdout).toBe(
      '{"invalid":[],"valid":[]}',
    );
    const out = minikube(["profile", "list", "-o", "json"], {
      FAKE_MINIKUBE_PROFILE: "dev",
      FAKE_MINIKUBE_RUNTIME: "containerd",
      FAKE_MINIKUBE_DRIVER: "kvm2",
    }).stdout;
    expect(findMinikubeProfile(out, "minikube")).toBeUndefined();
    expect(findMinikubeProfile(out, "dev")).toMatchObject({ containerRuntime: "containerd" });
    expect(JSON.parse(out).valid[0].Config.Driver).toBe("kvm2");
  });
});

describe("fake minikube: version -o json", () => {
  it("prints {commit, minikubeVersion} and a newline, and the pinned version draws no warning", () => {
    const { code, stdout } = minikube(["version", "-o", "json"]);
    expect(code).toBe(0);
    expect(stdout).toBe('{"commit":"c93a4cb9311efc66b90d33ea03f75f2c4120e9b0","minikubeVersion":"v1.38.1"}\n');
    const version = parseMinikubeVersion(stdout);
    expect(version).toBe(`v${LAPTOP_VERSIONS.minikube.newest}`);
    expect(versionWarning("minikube", version ?? "", LAPTOP_VERSIONS.minikube)).toBeUndefined();
  });

  it("reports FAKE_MINIKUBE_VERSION, so the pre-flight's warning can be tested", () => {
    const version = parseMinikubeVersion(
      minikube(["version", "-o", "json"], { FAKE_MINIKUBE_VERSION: "v1.34.0" }).stdout,
    );
    expect(versionWarning("minikube", version ?? "", LAPTOP_VERSIONS.minikube)).toContain("older than 1.35.0");
  });
});

describe("fake minikube: docker-env --shell none", () => {
  it("prints the TCP variables in the template's order and the parser reads them", () => {
    const { code, stdout, stderr } = minikube(["-p", "minikube", "docker-env", "--shell", "none"]);
    expect(code).toBe(0);
    expect(stderr).toBe("");
    expect(stdout).toBe(
      "DOCKER_TLS_VERIFY=1\nDOCKER_HOST=tcp://127.0.0.1:32768\nDOCKER_CERT_PATH=/home/dev/.minikube/certs\nMINIKUBE_ACTIVE_DOCKERD=minikube\n",
    );
    expect(parseDockerEnv(stdout)).toEqual({
      host: "tcp://127.0.0.1:32768",
      certPath: "/home/dev/.minikube/certs",
      tlsVerify: true,
    });
  });

  it("takes the host and cert path from FAKE_MINIKUBE_*, keeps a caller's DOCKER_HOST as MINIKUBE_EXISTING_DOCKER_HOST", () => {
    const { stdout } = minikube(["docker-env", "--shell", "none", "--profile=dev"], {
      FAKE_MINIKUBE_PROFILE: "dev",
      FAKE_MINIKUBE_DOCKER_HOST: "tcp://192.168.49.2:2376",
      FAKE_MINIKUBE_CERT_PATH: "/certs",
      DOCKER_HOST: "unix:///var/run/docker.sock",
    });
    expect(stdout).toContain(
      "MINIKUBE_EXISTING_DOCKER_HOST=unix:///var/run/docker.sock\nMINIKUBE_ACTIVE_DOCKERD=dev\n",
    );
    expect(parseDockerEnv(stdout)).toEqual({ host: "tcp://192.168.49.2:2376", certPath: "/certs", tlsVerify: true });
  });

  it("refuses a multi-node profile with ENV_MULTINODE_CONFLICT, exit 81", () => {
    const { code, stdout, stderr } = minikube(["-p", "minikube", "docker-env", "--shell", "none"], {
      FAKE_MINIKUBE_NODES: "2",
    });
    expect(code).toBe(81);
    expect(stdout).toBe("false exit code 81\n");
    expect(stderr).toBe(
      "X Exiting due to ENV_MULTINODE_CONFLICT: The docker-env command is incompatible with multi-node clusters. Use the 'registry' add-on: https://minikube.sigs.k8s.io/docs/handbook/registry/\n",
    );
    expect(() => parseDockerEnv(stdout)).toThrow(/no DOCKER_HOST/);
  });

  it("exits 83 with only 'false exit code' on stdout for a stopped profile, 85 for a missing one", () => {
    const stopped = minikube(["-p", "minikube", "docker-env", "--shell", "none"], { FAKE_MINIKUBE_STATUS: "Stopped" });
    expect(stopped).toEqual({ code: 83, stdout: "false exit code 83\n", stderr: "" });
    const missing = minikube(["-p", "other", "docker-env", "--shell", "none"]);
    expect(missing).toEqual({ code: 85, stdout: "false exit code 85\n", stderr: "" });
  });

  it("refuses the none driver and the crio runtime with their reasons' exit codes", () => {
    expect(minikube(["docker-env", "--shell", "none"], { FAKE_MINIKUBE_DRIVER: "none" })).toMatchObject({
      code: 51,
      stderr: expect.stringContaining("ENV_DRIVER_CONFLICT"),
    });
    expect(minikube(["docker-env", "--shell", "none"], { FAKE_MINIKUBE_RUNTIME: "crio" })).toMatchObject({
      code: 14,
      stderr: "X Exiting due to MK_USAGE: the docker-env command only supports the docker and containerd runtimes\n",
    });
  });

  it("has no non-TLS TCP output to offer: FAKE_MINIKUBE_TLS_VERIFY=0 is refused", () => {
    const { code, stderr } = minikube(["docker-env", "--shell", "none"], { FAKE_MINIKUBE_TLS_VERIFY: "0" });
    expect(code).toBe(2);
    expect(stderr).toContain("always prints DOCKER_TLS_VERIFY=1");
  });
});

describe("fake minikube: status -o json", () => {
  it("prints one node's Status as an object, exit 0", () => {
    const { code, stdout } = minikube(["-p", "minikube", "status", "-o", "json"]);
    expect(code).toBe(0);
    expect(stdout).toBe(
      '{"Name":"minikube","Host":"Running","Kubelet":"Running","APIServer":"Running","Kubeconfig":"Configured","Worker":false}',
    );
  });

  it("prints an array for several nodes and sets the exit bits for a stopped profile", () => {
    const { code, stdout } = minikube(["status", "-o", "json"], {
      FAKE_MINIKUBE_NODES: "2",
      FAKE_MINIKUBE_STATUS: "Stopped",
    });
    expect(code).toBe(7);
    const nodes = JSON.parse(stdout);
    expect(nodes.map((n: { Name: string; Host: string }) => [n.Name, n.Host])).toEqual([
      ["minikube", "Stopped"],
      ["minikube-m02", "Stopped"],
    ]);
  });

  it("answers an unknown profile with cloudevents on stdout and exit 85", () => {
    const { code, stdout } = minikube(["status", "-o", "json", "-p", "dev"]);
    expect(code).toBe(85);
    const messages = stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line).data.message);
    expect(messages).toEqual([
      'Profile "dev" not found. Run "minikube profile list" to view all profiles.',
      'To start a cluster, run: "minikube start -p dev"',
    ]);
  });
});

describe("fake minikube: image load and the rest", () => {
  it("loads an image silently and records the call", () => {
    const { code, stdout, stderr } = minikube(["-p", "minikube", "image", "load", "todo-api:dev", "--daemon"]);
    expect({ code, stdout, stderr }).toEqual({ code: 0, stdout: "", stderr: "" });
    const calls = readFileSync(join(state, "calls.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(calls.at(-1)).toMatchObject({
      bin: "minikube",
      args: ["-p", "minikube", "image", "load", "todo-api:dev", "--daemon"],
    });
  });

  it("fails loudly, exit 2, on a call it does not reproduce", () => {
    const { code, stderr } = minikube(["ssh", "--", "docker", "images"]);
    expect(code).toBe(2);
    expect(stderr).toBe("fake minikube: unsupported call ssh -- docker images\n");
  });
});
