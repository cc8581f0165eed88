// The engine and provider built from Go modules (tools/toolchain) must be the versions the npm SDKs
// ask for: the engine warns and may misbehave when a provider's SDK and plugin disagree, and the
// Automation API checks the CLI against @pulumi/pulumi. kube-router (NetworkPolicy on the local
// cluster) must keep the dependency versions of its own release, and be built with the cluster.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const REPO = join(__dirname, "..", "..");
const lock = JSON.parse(readFileSync(join(REPO, "package-lock.json"), "utf8")) as {
  packages: Record<string, { version?: string }>;
};
const manifest = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as {
  devDependencies?: Record<string, string>;
  dependencies?: Record<string, string>;
};

/** The version a component's go.mod requires a module at, without the leading v. */
function goModVersion(component: string, module: string): string {
  const goMod = readFileSync(join(REPO, "tools/toolchain", component, "go.mod"), "utf8");
  // Inside a require block, or a one-line `require <module> <version>`.
  const line = goMod
    .split("\n")
    .map((text) => text.trim().replace(/^require\s+/, ""))
    .find((text) => text.startsWith(`${module} v`));
  if (!line) throw new Error(`tools/toolchain/${component}/go.mod does not require ${module}`);
  return (line.split(/\s+/)[1] ?? "").replace(/^v/, "");
}

const npmVersion = (name: string) => lock.packages[`node_modules/${name}`]?.version;

describe("toolchain pins match the npm SDKs", () => {
  it.each([
    ["@pulumi/pulumi", "pulumi", "github.com/pulumi/pulumi/pkg/v3"],
    ["@pulumi/pulumi", "pulumi", "github.com/pulumi/pulumi/sdk/v3"],
    ["@pulumi/kubernetes", "pulumi-kubernetes", "github.com/pulumi/pulumi-kubernetes/sdk/v4"],
    ["@pulumi/docker-build", "pulumi-docker-build", "github.com/pulumi/pulumi-docker-build"],
  ])("%s (package-lock) = %s's %s (go.mod)", (npmPackage, component, module) => {
    expect(npmVersion(npmPackage)).toBeDefined();
    expect(goModVersion(component, module)).toBe(npmVersion(npmPackage));
  });

  it.each([
    ["@pulumi/kubernetes", "pulumi-kubernetes", "github.com/pulumi/pulumi-kubernetes/sdk/v4"],
    ["@pulumi/docker-build", "pulumi-docker-build", "github.com/pulumi/pulumi-docker-build"],
  ])(
    "%s is pinned exactly in package.json, so npm cannot move it past the provider",
    (npmPackage, component, module) => {
      const range = manifest.dependencies?.[npmPackage] ?? manifest.devDependencies?.[npmPackage];
      expect(range).toBe(goModVersion(component, module));
    },
  );
});

describe("kube-router: the local cluster's NetworkPolicy enforcement", () => {
  it("is pinned at v2.1.0, the one version the module proxy serves", () => {
    expect(goModVersion("kube-router", "github.com/cloudnativelabs/kube-router/v2")).toBe("2.1.0");
  });

  // Versions from kube-router v2.1.0's own go.mod. `go mod tidy` would move grpc to 1.8x and
  // golang.org/x/* far past them (it resolves test-only and Windows-only imports at @latest).
  it.each([
    ["google.golang.org/grpc", "1.62.0"],
    ["google.golang.org/protobuf", "1.32.0"],
    ["k8s.io/client-go", "0.29.2"],
    ["github.com/coreos/go-iptables", "0.7.0"],
    ["golang.org/x/sys", "0.17.0"],
  ])("keeps kube-router's own %s %s", (module, version) => {
    expect(goModVersion("kube-router", module)).toBe(version);
  });

  it("is built by default and is among the components cluster.sh asks build.sh for", () => {
    const build = readFileSync(join(REPO, "tools/toolchain/build.sh"), "utf8");
    const cluster = readFileSync(join(REPO, "scripts/local-cluster/cluster.sh"), "utf8");
    const all = (/^ALL_COMPONENTS=\(([^)]*)\)/m.exec(build)?.[1] ?? "").split(/\s+/);
    const forCluster = (/build\.sh" --print ([a-z0-9 -]+?) 2>/.exec(cluster)?.[1] ?? "").split(" ");
    expect(all).toContain("kube-router");
    expect(forCluster).toContain("kube-router");
    for (const component of forCluster) {
      expect(all).toContain(component);
      expect(existsSync(join(REPO, "tools/toolchain", component, "go.mod"))).toBe(true);
    }
  });
});
