// Preload for running index.ts the way the Pulumi language host does, but against mocks:
//   node -r ts-node/register -r ./test/deploy/support/program-mocks.ts index.ts
// Config comes from PULUMI_CONFIG (JSON), as the language host passes it. On exit the preload
// writes a JSON report to $TODO_MOCKS_REPORT: every registered resource (deserialized inputs and
// the raw wire form, where secrets are still wrapped) and every export, resolved, with its
// secretness. A config error exits before any export exists; the report then shows what (if
// anything) was registered before the throw.
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";

// biome-ignore lint/suspicious/noExplicitAny: the mock monitor is internal to @pulumi/pulumi
const { MockMonitor } = require("@pulumi/pulumi/runtime/mocks") as { MockMonitor: any };

export interface RegisteredResource {
  type: string;
  name: string;
  custom: boolean;
  inputs: Record<string, unknown>;
  /** Inputs as sent to the engine: secret values are still wrapped in the secret signature. */
  wire: unknown;
  /** Names of the error hooks in the resource's `hooks.onError`. */
  onErrorHooks: string[];
  /** Names of the resource hooks bound to the resource, per lifecycle step. */
  resourceHooks: Record<"beforeCreate" | "afterCreate" | "beforeUpdate" | "afterUpdate", string[]>;
  /** URN the mock monitor gives the resource. */
  urn?: string;
  /** URN of the parent ("" when the stack is the parent). */
  parent?: string;
  /** URNs the resource waits for: explicit dependsOn (components expanded by the SDK) and input dependencies. */
  dependencies?: string[];
}
export interface ResolvedExport {
  value: unknown;
  secret: boolean;
  known: boolean;
}
export interface MocksReport {
  resources: RegisteredResource[];
  exports: Record<string, ResolvedExport>;
  completed: boolean;
  /** Resource hooks the program registered with the engine, and whether each runs in preview. */
  resourceHooks: Array<{ name: string; onDryRun: boolean }>;
}

/** Shared with drivers preloaded alongside (same module instance through the require cache). */
export const mocksReport: MocksReport = { resources: [], exports: {}, completed: false, resourceHooks: [] };
const report = mocksReport;
const wireByName = new Map<string, unknown>();

const originalRegister = MockMonitor.prototype.registerResource;
// biome-ignore lint/suspicious/noExplicitAny: gRPC request object of the mock monitor
MockMonitor.prototype.registerResource = function (req: any, callback: unknown) {
  wireByName.set(`${req.getType()}::${req.getName()}`, req.getObject().toJavaScript());
  const hooks = req.getHooks();
  errorHooksByName.set(`${req.getType()}::${req.getName()}`, hooks?.getOnErrorList() ?? []);
  resourceHooksByName.set(`${req.getType()}::${req.getName()}`, {
    beforeCreate: hooks?.getBeforeCreateList() ?? [],
    afterCreate: hooks?.getAfterCreateList() ?? [],
    beforeUpdate: hooks?.getBeforeUpdateList() ?? [],
    afterUpdate: hooks?.getAfterUpdateList() ?? [],
  });
  requestByName.set(`${req.getType()}::${req.getName()}`, {
    urn: this.newUrn(req.getParent(), req.getType(), req.getName()),
    parent: req.getParent(),
    dependencies: req.getDependenciesList(),
  });
  return originalRegister.call(this, req, callback);
};

/** Error hook names the program registered (the engine would call them back on a failed step). */
export const registeredErrorHooks: string[] = [];
const errorHooksByName = new Map<string, string[]>();
const resourceHooksByName = new Map<string, RegisteredResource["resourceHooks"]>();
const requestByName = new Map<string, Pick<RegisteredResource, "urn" | "parent" | "dependencies">>();
// The mock monitor has no hook registry; the real engine's accepts the name and calls back later.
// biome-ignore lint/suspicious/noExplicitAny: gRPC request object of the mock monitor
MockMonitor.prototype.registerErrorHook = (req: any, callback: (err: null, res: unknown) => void) => {
  registeredErrorHooks.push(req.getName());
  callback(null, {});
};
// biome-ignore lint/suspicious/noExplicitAny: gRPC request object of the mock monitor
MockMonitor.prototype.registerResourceHook = (req: any, callback: (err: null, res: unknown) => void) => {
  report.resourceHooks.push({ name: req.getName(), onDryRun: req.getOnDryRun() });
  callback(null, {});
};

/**
 * Stand-in stdout of the health analysis Command (`<name>-analysis`): under mocks nothing runs, so
 * the preload answers with a report that says it is fake, built from the Command's `create` (the
 * CLI's --args-json document, see components/health.ts diagnoseInvocation).
 */
export function fakeAnalysisStdout(create: string): string {
  let args: { analyzer?: string; revisions?: Record<string, number> } = {};
  try {
    args = JSON.parse(create);
  } catch {
    // not the health CLI's document: an empty stand-in
  }
  return JSON.stringify({
    analyzer: args.analyzer ?? "none",
    status: "healthy",
    summary: "fake report from the mocks preload: no analysis ran",
    findings: [],
    analyzedAt: "1970-01-01T00:00:00.000Z",
    revisions: args.revisions ?? {},
  });
}

/** What a StackReference reads, per referenced stack name ($TODO_MOCKS_STACK_REFERENCES, JSON). */
export type StackReferences = Record<string, { outputs: Record<string, unknown>; secretOutputNames?: string[] }>;
const stackReferences = JSON.parse(process.env.TODO_MOCKS_STACK_REFERENCES ?? "{}") as StackReferences;

pulumi.runtime.setMocks(
  {
    newResource(args) {
      report.resources.push({
        type: args.type,
        name: args.name,
        custom: args.custom ?? true,
        inputs: args.inputs,
        wire: wireByName.get(`${args.type}::${args.name}`),
        onErrorHooks: errorHooksByName.get(`${args.type}::${args.name}`) ?? [],
        resourceHooks: resourceHooksByName.get(`${args.type}::${args.name}`) ?? {
          beforeCreate: [],
          afterCreate: [],
          beforeUpdate: [],
          afterUpdate: [],
        },
        ...requestByName.get(`${args.type}::${args.name}`),
      });
      const state: Record<string, unknown> = { ...args.inputs };
      if (args.type === "kubernetes:helm.sh/v3:Release") {
        state.status = {
          name: args.inputs.name,
          namespace: args.inputs.namespace,
          revision: 1,
          status: "deployed",
          chart: "todo-service",
          version: "0.1.0",
          appVersion: "0.1.0",
        };
      }
      if (args.type === "random:index/randomPassword:RandomPassword") state.result = "mock-generated-password-123";
      if (args.type === "pulumi:pulumi:StackReference") {
        // An unknown stack reads as one without outputs, so requireOutput fails as it would.
        const referenced = stackReferences[String(args.inputs.name)];
        state.outputs = referenced?.outputs ?? {};
        state.secretOutputNames = referenced?.secretOutputNames ?? [];
      }
      if (args.type === "command:local:Command") {
        const create = typeof args.inputs.create === "string" ? args.inputs.create : "";
        state.stdout = args.name.endsWith("-analysis") ? fakeAnalysisStdout(create) : "";
        state.stderr = "";
      }
      return { id: `${args.name}-id`, state };
    },
    call(args) {
      return args.inputs;
    },
  },
  process.env.TODO_MOCKS_PROJECT ?? "todo-platform",
  process.env.TODO_MOCKS_STACK ?? "dev",
  process.env.TODO_MOCKS_PREVIEW === "true",
);

function writeReport(): void {
  if (process.env.TODO_MOCKS_REPORT) writeFileSync(process.env.TODO_MOCKS_REPORT, JSON.stringify(report, null, 2));
}

async function resolveExports(): Promise<void> {
  // `require.main` of a preload is fixed before the program loads, so find the program by path.
  const program = require.cache[resolve(process.argv[1] ?? "")];
  const exports = (program?.exports ?? {}) as Record<string, unknown>;
  for (const [name, value] of Object.entries(exports)) {
    if (pulumi.Output.isInstance(value)) {
      // biome-ignore lint/suspicious/noExplicitAny: promise()/isSecret are the SDK's own test hooks
      const output = value as any;
      report.exports[name] = {
        value: await output.promise(),
        secret: await output.isSecret,
        known: await output.isKnown,
      };
    } else {
      report.exports[name] = { value, secret: false, known: true };
    }
  }
}

let resolving = false;
process.on("beforeExit", () => {
  if (resolving) return;
  resolving = true;
  resolveExports()
    .then(() => {
      report.completed = true;
    })
    .catch((error) => {
      console.error("mocks preload: could not resolve exports:", error);
      process.exitCode = 1;
    })
    .finally(writeReport);
});
process.on("exit", () => {
  if (!report.completed) writeReport();
});
