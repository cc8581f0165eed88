// tools/toolchain/build.sh's cache, with a FAKE `go` on PATH (it "builds" a shell script per main
// package): what a second run builds, and what `--print` of another selection does. A cold CI run
// found cluster.sh's `--print kubernetes etcd coredns` failing after e2e-local.sh had built all five.
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";

const BUILD = join(__dirname, "../../tools/toolchain/build.sh");
const FAKE_GO = `#!/bin/sh
echo "$*" >> "$FAKE_GO_CALLS"
case "$1" in
  list) echo fake/module ;;
  build)
    for arg in "$@"; do
      case "$arg" in -o) next=out ;; *) if [ "$next" = out ]; then dest="$arg"; next=; fi ;; esac
    done
    last=""; for arg in "$@"; do last="$arg"; done
    name=$(basename "$last"); [ "$name" = v3 ] && name=server
    printf '#!/bin/sh\\necho %s\\n' "$name" > "$dest/$name" && chmod +x "$dest/$name"
    echo "$last" >&2 ;;
esac
`;

let root: string | undefined;
afterEach(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

function world() {
  root = mkdtempSync(join(tmpdir(), "toolchain-cache-"));
  const bin = join(root, "bin");
  mkdirSync(bin);
  writeFileSync(join(bin, "go"), FAKE_GO);
  chmodSync(join(bin, "go"), 0o755);
  const env = {
    PATH: `${bin}:/usr/bin:/bin`,
    HOME: root,
    TODO_TOOLCHAIN_CACHE: join(root, "cache"),
    FAKE_GO_CALLS: join(root, "go-calls"),
  };
  const builds = () =>
    existsSync(env.FAKE_GO_CALLS)
      ? readFileSync(env.FAKE_GO_CALLS, "utf8")
          .split("\n")
          .filter((line) => line.startsWith("build"))
      : [];
  const run = (...args: string[]) => spawnSync("bash", [BUILD, ...args], { env, encoding: "utf8" });
  return { run, builds };
}

describe("toolchain cache (fake go on PATH)", () => {
  it("builds each component once; a second run with the same pins builds nothing", () => {
    const { run, builds } = world();
    const first = run("etcd", "coredns");
    expect(first.status, first.stderr).toBe(0);
    expect(builds()).toHaveLength(2);
    const bin = first.stdout.trim();
    expect(execFileSync(join(bin, "etcd"), { encoding: "utf8" }).trim()).toBe("server");
    const second = run("etcd", "coredns");
    expect(second.stdout.trim()).toBe(bin);
    expect(builds()).toHaveLength(2);
  });

  it("--print of a sub-selection links the built components without building; exit 1 when one is not built", () => {
    const { run, builds } = world();
    expect(run("--print", "coredns").status).toBe(1);
    expect(run("etcd", "coredns").status).toBe(0);
    const printed = run("--print", "coredns");
    expect(printed.status, printed.stderr).toBe(0);
    expect(execFileSync(join(printed.stdout.trim(), "coredns"), { encoding: "utf8" }).trim()).toBe("coredns");
    expect(existsSync(join(printed.stdout.trim(), "etcd"))).toBe(false);
    expect(run("--print", "coredns", "kubernetes").status).toBe(1);
    expect(builds()).toHaveLength(2);
  });

  it("kube-router: one build of its main package with its version stamped, cached like the others", () => {
    const { run, builds } = world();
    const first = run("kube-router");
    expect(first.status, first.stderr).toBe(0);
    expect(builds()).toHaveLength(1);
    expect(builds()[0]).toContain("-X github.com/cloudnativelabs/kube-router/v2/pkg/version.Version=");
    expect(builds()[0]?.endsWith(" github.com/cloudnativelabs/kube-router/v2/cmd/kube-router")).toBe(true);
    const bin = first.stdout.trim();
    expect(execFileSync(join(bin, "kube-router"), { encoding: "utf8" }).trim()).toBe("kube-router");
    expect(run("kube-router").stdout.trim()).toBe(bin);
    const printed = run("--print", "kube-router");
    expect(printed.status, printed.stderr).toBe(0);
    expect(builds()).toHaveLength(1);
  });
});
