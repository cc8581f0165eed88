// scripts/local-cluster/index-program.ts: index.ts as an Automation API inline program, loaded as
// Pulumi's Node.js language host loads it. The driver runs it the way the real-engine e2e will (a
// tsx process, a support.ts copyCheckout copy, runtime.runInPulumiStack), under Pulumi's mocks.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { PlatformOutputs } from "../../outputs";
import { HEALTH_CHECK_OFF } from "../../outputs";
import { languageHostTsNodeOptions } from "../../scripts/local-cluster/index-program";
import type { IndexProgramReport } from "./support/index-program-driver";

const REPO = join(__dirname, "..", "..");
const DRIVER = join(__dirname, "support", "index-program-driver.ts");
const CONTRACT = ["appUrl", "backend", "databaseMode", "databaseSecretName", "frontend", "health", "namespace"];

/** What the consumer's StackReference reads in the driver (a deployed platform's outputs). */
const PLATFORM: PlatformOutputs = {
  appUrl: "minikube -p minikube service -n todo-dev todo-frontend --url",
  namespace: "todo-dev",
  frontend: {
    releaseName: "todo-frontend",
    revision: 1,
    status: "deployed",
    imageRef: "todo-frontend:0a1b2c3d4e5f",
    serviceDns: "todo-frontend.todo-dev.svc.cluster.local",
    serviceUrl: "http://todo-frontend.todo-dev.svc.cluster.local:80",
  },
  backend: {
    releaseName: "todo-backend",
    revision: 1,
    status: "deployed",
    imageRef: "todo-backend:5f4e3d2c1b0a",
    serviceDns: "todo-backend.todo-dev.svc.cluster.local",
    serviceUrl: "http://todo-backend.todo-dev.svc.cluster.local:80",
  },
  databaseMode: "in-cluster",
  databaseSecretName: "todo-database",
  health: HEALTH_CHECK_OFF,
};

describe("indexProgram(checkout): the checkout's index.ts run in-process as an inline program (under mocks)", () => {
  let report: IndexProgramReport;
  let stderr = "";

  beforeAll(() => {
    const dir = mkdtempSync(join(tmpdir(), "index-program-"));
    try {
      const reportPath = join(dir, "report.json");
      const child = spawnSync(join(REPO, "node_modules", ".bin", "tsx"), [DRIVER], {
        cwd: REPO,
        encoding: "utf8",
        timeout: 180_000,
        env: {
          ...process.env,
          TODO_INDEX_PROGRAM_REPORT: reportPath,
          TODO_MOCKS_STACK_REFERENCES: JSON.stringify({ "organization/todo-platform/dev": { outputs: PLATFORM } }),
          TS_NODE_PROJECT: "",
          PULUMI_NODEJS_TRANSPILE_ONLY: "",
        },
      });
      stderr = child.stderr;
      if (child.status !== 0) throw new Error(`driver exited ${child.status}:\n${child.stderr}`);
      report = JSON.parse(readFileSync(reportPath, "utf8")) as IndexProgramReport;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 200_000);

  it("returns index.ts's exports, resolved, as the stack outputs: the whole contract", () => {
    expect(report.first.error, stderr).toBeUndefined();
    expect(Object.keys(report.first.outputs ?? {}).sort()).toEqual(CONTRACT);
    expect(report.first.outputs?.appUrl).toBe("minikube -p minikube service -n todo-dev todo-frontend --url");
    expect(report.first.outputs?.health).toMatchObject({ analyzer: "none", status: "healthy" });
    expect(report.first.registered).toEqual(
      expect.arrayContaining([
        "kubernetes:helm.sh/v3:Release::backend",
        "kubernetes:helm.sh/v3:Release::frontend",
        "todo-platform:aiops:AiHealthCheck::health",
        "command:local:Command::health-analysis",
      ]),
    );
  });

  it("runs the copy, not the repository, without changing the process's cwd (index.ts and the health check use __dirname)", () => {
    expect(report.cwd).toBe(REPO);
    expect(report.first.analysisDir).toBe(report.checkout);
  });

  it("re-reads a file of the checkout edited between two calls of the same program function", () => {
    expect(report.edited.error, stderr).toBeUndefined();
    expect(report.edited.outputs?.appUrl).toBe("EDITED minikube -p minikube service -n todo-dev todo-frontend --url");
    expect(report.edited.registered).toEqual(report.first.registered);
  });

  it("keeps one @pulumi/pulumi: the checkout's node_modules is a link to the runtime's, nothing of it is reloaded", () => {
    expect(report.sdkInstances).toEqual([join(REPO, "node_modules", "@pulumi", "pulumi", "index.js")]);
    expect(report.cachedUnderCheckoutNodeModules).toBe(0);
  });

  it("varies the program through config only: aiops.analyzer off drops the health check and exports HEALTH_CHECK_OFF", () => {
    expect(report.off.error, stderr).toBeUndefined();
    expect(report.off.outputs?.health).toEqual(HEALTH_CHECK_OFF);
    expect(report.off.registered).not.toContain("todo-platform:aiops:AiHealthCheck::health");
    expect(report.off.registered.filter((r) => !report.first.registered.includes(r))).toEqual([]);
  });

  it("compiles the checkout with ts-node as the language host configures it, not with the tsx the process runs under", () => {
    // noCheck true: transpile only, the type error goes through.
    expect(report.scratch.noCheck.outputs).toEqual({ answer: 42, wrong: "not a number" });
    // noCheck false: ts-node type-checks, as `pulumi up` would; tsx never type-checks.
    expect(report.scratch.typeChecked.outputs).toBeUndefined();
    expect(report.scratch.typeChecked.error).toContain(
      "error TS2322: Type 'string' is not assignable to type 'number'",
    );
  });
  it("runs a project in a subdirectory (examples/consumer) with its own tsconfig, sharing the checkout's node_modules", () => {
    expect(report.consumer.error, stderr).toBeUndefined();
    // Each run registers a Stack resource of its own first (runInPulumiStack).
    expect(report.consumer.registered.filter((r) => !r.startsWith("pulumi:pulumi:Stack::"))).toEqual([
      "pulumi:pulumi:StackReference::platform",
      "pulumi:providers:kubernetes::cluster",
      "kubernetes:core/v1:Namespace::namespace",
      "kubernetes:core/v1:ConfigMap::endpoints",
      "kubernetes:batch/v1:Job::backend-check",
    ]);
    expect(report.consumer.outputs).toMatchObject({
      backendUrl: PLATFORM.backend.serviceUrl,
      backendImage: PLATFORM.backend.imageRef,
      consumerNamespaceName: "todo-consumer",
    });
    // It resolves @pulumi/pulumi through the checkout's node_modules (linked by the first run): no link of its own.
    expect(report.consumer.ownNodeModules).toBe(false);
    expect(report.consumer.cachedUnderConsumer).toEqual(["index.ts", "platform.ts", "resources.ts"]);
  });

  it("compiles a nested project's files with its own tsconfig even after its parent project ran (the innermost service wins)", () => {
    expect(report.nested.root.outputs).toEqual({ answer: 42, wrong: "not a number" });
    expect(report.nested.sub.outputs).toBeUndefined();
    expect(report.nested.sub.error).toContain("error TS2322: Type 'string' is not assignable to type 'number'");
  });
});

describe("the ts-node options (the language host's, from @pulumi/pulumi's own tsutils)", () => {
  it("for this repository: transpile only (noCheck), its tsconfig, Pulumi's defaults under the tsconfig's compilerOptions", () => {
    const options = languageHostTsNodeOptions(REPO, {});
    const tsconfig = JSON.parse(readFileSync(join(REPO, "tsconfig.json"), "utf8")) as {
      compilerOptions: Record<string, unknown>;
    };
    expect(options).toEqual({
      compiler: "typescript",
      transpileOnly: true,
      project: join(REPO, "tsconfig.json"),
      skipProject: false,
      compilerOptions: {
        target: "ES2020",
        module: "nodenext",
        moduleResolution: "nodenext",
        sourceMap: "true",
        ...tsconfig.compilerOptions,
      },
      cwd: REPO,
    });
  });

  it("for examples/consumer: its own tsconfig, whose compilerOptions are read without following `extends` (ts-node follows it)", () => {
    const consumer = join(REPO, "examples", "consumer");
    expect(languageHostTsNodeOptions(consumer, {})).toEqual({
      compiler: "typescript",
      transpileOnly: true,
      project: join(consumer, "tsconfig.json"),
      skipProject: false,
      compilerOptions: {
        target: "ES2020",
        module: "nodenext",
        moduleResolution: "nodenext",
        sourceMap: "true",
        noCheck: true,
      },
      cwd: consumer,
    });
  });

  it("honours PULUMI_NODEJS_TRANSPILE_ONLY and PULUMI_NODEJS_TSCONFIG_PATH as the host does", () => {
    expect(languageHostTsNodeOptions(REPO, { PULUMI_NODEJS_TRANSPILE_ONLY: "false" }).transpileOnly).toBe(false);
    const missing = languageHostTsNodeOptions(REPO, { PULUMI_NODEJS_TSCONFIG_PATH: "tsconfig.pulumi.json" });
    expect(missing).toMatchObject({
      project: join(REPO, "tsconfig.pulumi.json"),
      skipProject: true,
      transpileOnly: undefined,
    });
    expect(missing.compilerOptions).toEqual({
      target: "ES2020",
      module: "nodenext",
      moduleResolution: "nodenext",
      sourceMap: "true",
    });
  });

  it("still matches what @pulumi/pulumi's language host does (cmd/run/run.js), so an SDK upgrade that changes it fails here", () => {
    const runJs = readFileSync(join(REPO, "node_modules", "@pulumi", "pulumi", "cmd", "run", "run.js"), "utf8");
    for (const line of [
      'const tsConfigPath = process.env["PULUMI_NODEJS_TSCONFIG_PATH"] ?? defaultTsConfigPath;',
      "const skipProject = !fs.existsSync(tsConfigPath);",
      "const compilerOptions = tsutils.loadTypeScriptCompilerOptions(tsConfigPath);",
      'transpileOnly = transpileOnlyEnv === "true";',
      "transpileOnly = compilerOptions.noCheck;",
      "project: tsConfigPath,",
      "skipProject: skipProject,",
      'target: "ES2020",',
      'module: useNodeNext ? "nodenext" : "commonjs",',
      'moduleResolution: useNodeNext ? "nodenext" : "node",',
      'sourceMap: "true",',
      "tsn.register(options);",
      "programExport = require(program);",
      "const invokeResult = programExport instanceof Function ? programExport() : programExport;",
    ]) {
      expect(runJs, line).toContain(line);
    }
  });
});
