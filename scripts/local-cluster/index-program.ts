// `index.ts` of a checkout as an Automation API inline program, loaded the way Pulumi's Node.js
// language host loads it, so the real-engine e2e deploys the program itself (not a copy of its
// wiring) and varies it only through config:
//
//   const stack = await LocalWorkspace.createOrSelectStack({ projectName, stackName, program: indexProgram(checkout) }, …);
//   stack.workspace.program = indexProgram(checkout); // after editing a file of the checkout: re-read
//
// How the language host loads a TypeScript program (@pulumi/pulumi 3.248, cmd/run/run.js, `run()`;
// the tsconfig reading is tsutils.js `loadTypeScriptCompilerOptions`, called here, not copied):
// - ts-node is given `compiler` (typescript as tsutils `typeScriptRequireStrings` finds it),
//   `transpileOnly` (PULUMI_NODEJS_TRANSPILE_ONLY when set, else the tsconfig's `noCheck`),
//   `project` (PULUMI_NODEJS_TSCONFIG_PATH, default `tsconfig.json` in the project directory),
//   `skipProject` (that file is missing) and `compilerOptions` = { target ES2020, module and
//   moduleResolution nodenext (commonjs/node before TypeScript 4.7), sourceMap "true" } overlaid
//   with the tsconfig's own `compilerOptions` (read without following `extends`). ts-node then
//   reads the tsconfig's "ts-node" section itself (this repo: `"swc": true`). Everything else
//   (`typeCheck`, `files`, …) is ts-node's default, as in the host.
// - a CommonJS project (package.json has no `"type": "module"`) is then `require()`d; a module that
//   exports a function is called; the result is awaited and becomes the stack's outputs.
// - the host runs with the project directory as its cwd; ts-node gets that as its `cwd` here.
//
// Three deliberate differences, all because an inline program shares the e2e's process:
// - ts-node is `create()`d with those options, not `register()`ed: register() would hook every .ts
//   file the process loads from then on (the e2e's own, which tsx compiles). A require hook scoped
//   to the checkout compiles exactly the checkout's files with that service, as register() would;
//   every other file goes to the hook that was there before (tsx's, or node's).
// - every call loads the checkout afresh: each module under the checkout is removed from the
//   require cache first (a file edited between two updates is read again, as a new language host
//   process would), but nothing from node_modules is: `@pulumi/pulumi` must stay the one instance
//   the Automation API's runtime initialised, or the program would register its resources with an
//   SDK that has no engine connection.
// - the process's cwd is not changed (process.chdir would move the whole e2e). The program does not
//   read it: index.ts builds from `__dirname`, the health check runs in the checkout
//   (components/health.ts REPO_ROOT), and the Kubernetes provider resolves the releases' relative
//   chart path against the workspace's workDir (the project directory of an inline program).
//
// The checkout is a copy of the repository without node_modules (support.ts copyCheckout): when it
// has none, its node_modules becomes a symlink to the node_modules this module runs from, which
// resolves `@pulumi/pulumi` to the same files, so the same instance (require's cache is keyed by
// real path). A checkout that resolves another copy is refused.
//
// The directory may also be a project inside another one, e.g. `indexProgram(join(checkout,
// "examples/consumer"))` (scripts/local-cluster/consumer-stack.ts): its own Pulumi.yaml and a
// tsconfig.json that extends the root's. It gets its own ts-node service from its own tsconfig (as
// above: compilerOptions read without following `extends`, then ts-node follows it), and a file
// under both directories is compiled by the innermost project's service. When it already
// resolves this process's `@pulumi/pulumi` through a parent's node_modules it gets no symlink of
// its own (a symlink named node_modules is not matched by .gitignore's `node_modules/`).
//
// Imports nothing of the repository (test/deploy/import-graph.test.ts): the e2e drives the program
// only through config and index.ts.
import { existsSync, readFileSync, realpathSync, symlinkSync } from "node:fs";
import Module, { createRequire } from "node:module";
import { dirname, join, resolve, sep } from "node:path";

/** The inline program: index.ts's exports, awaited, as the stack outputs. */
export type InlineProgram = () => Promise<Record<string, unknown>>;

/** The subset of ts-node's Service this module uses. */
interface TsNodeService {
  compile(code: string, fileName: string): string;
  ignored(fileName: string): boolean;
}

/** The ts-node options Pulumi's language host builds for a CommonJS TypeScript project (see the header). */
export interface LanguageHostTsNodeOptions {
  compiler: string;
  transpileOnly: boolean | undefined;
  project: string;
  skipProject: boolean;
  compilerOptions: Record<string, unknown>;
  cwd: string;
}

type ModuleWithCompile = NodeJS.Module & { _compile(code: string, filename: string): void };
type ExtensionHandler = (module: NodeJS.Module, filename: string) => void;

const requireHere = createRequire(__filename);

/**
 * The ts-node options the language host would register for the project in `projectDir` (its cwd),
 * computed with @pulumi/pulumi's own tsutils. `env` is where the host reads PULUMI_NODEJS_*.
 */
export function languageHostTsNodeOptions(
  projectDir: string,
  env: NodeJS.ProcessEnv = process.env,
): LanguageHostTsNodeOptions {
  const projectRequire = createRequire(join(projectDir, "index.ts"));
  // biome-ignore lint/suspicious/noExplicitAny: tsutils is internal to @pulumi/pulumi and ships no types
  const tsutils = projectRequire("@pulumi/pulumi/tsutils") as any;
  const tsConfigPath = resolve(projectDir, env.PULUMI_NODEJS_TSCONFIG_PATH ?? "tsconfig.json");
  const compilerOptions = tsutils.loadTypeScriptCompilerOptions(tsConfigPath) as Record<string, unknown>;
  const transpileOnlyEnv = env.PULUMI_NODEJS_TRANSPILE_ONLY;
  const transpileOnly = transpileOnlyEnv
    ? transpileOnlyEnv === "true"
    : (compilerOptions.noCheck as boolean | undefined);
  const { typescriptRequire } = tsutils.typeScriptRequireStrings() as { typescriptRequire: string };
  const ts = projectRequire(typescriptRequire) as { version: string };
  const [major = 0, minor = 0] = ts.version.split(".").map(Number);
  const useNodeNext = major > 4 || (major === 4 && minor >= 7);
  return {
    compiler: typescriptRequire,
    transpileOnly,
    project: tsConfigPath,
    skipProject: !existsSync(tsConfigPath),
    compilerOptions: {
      target: "ES2020",
      module: useNodeNext ? "nodenext" : "commonjs",
      moduleResolution: useNodeNext ? "nodenext" : "node",
      sourceMap: "true",
      ...compilerOptions,
    },
    cwd: projectDir,
  };
}

/** ts-node services by checkout (real path); the require hook compiles a checkout's files with its own. */
const services = new Map<string, TsNodeService>();
let hookInstalled = false;

const isUnder = (root: string, file: string) => file.startsWith(`${root}${sep}`);
const inNodeModules = (root: string, file: string) => isUnder(join(root, "node_modules"), file);

/**
 * The service of the innermost project holding `file`: a project in a subdirectory of another
 * (examples/consumer in a checkout whose index.ts also ran) compiles its own files with its own
 * tsconfig, as its own language host would.
 */
function serviceFor(file: string): TsNodeService | undefined {
  let best: { root: string; service: TsNodeService } | undefined;
  for (const [root, service] of services) {
    if (!isUnder(root, file) || inNodeModules(root, file)) continue;
    if (!best || root.length > best.root.length) best = { root, service };
  }
  return best && !best.service.ignored(file) ? best.service : undefined;
}

/** One `.ts` handler for the process: a checkout's files through its ts-node service, the rest as before. */
function installHook(): void {
  if (hookInstalled) return;
  const extensions = (Module as unknown as { _extensions: Record<string, ExtensionHandler> })._extensions;
  const previous = extensions[".ts"] ?? extensions[".js"];
  extensions[".ts"] = (module, filename) => {
    const service = serviceFor(filename);
    if (service) {
      // What ts-node's register() hook does on top of node's own .js loader: read, compile, _compile.
      const source = readFileSync(filename, "utf8");
      (module as ModuleWithCompile)._compile(service.compile(source, filename), filename);
      return;
    }
    if (!previous) throw new Error(`no require hook compiles ${filename}`);
    previous(module, filename);
  };
  hookInstalled = true;
}

/** The real path `@pulumi/pulumi` resolves to from `dir`, or undefined when it resolves nowhere. */
function sdkFrom(dir: string): string | undefined {
  try {
    return realpathSync(createRequire(join(dir, "index.ts")).resolve("@pulumi/pulumi"));
  } catch {
    return undefined;
  }
}

/**
 * Makes `<checkout>/node_modules` resolve to this process's packages, and proves `@pulumi/pulumi`
 * is one instance. A project that already resolves this process's SDK through a parent directory
 * (examples/consumer, through the checkout's node_modules) is left as it is, as Node.js resolves it.
 */
function shareNodeModules(checkout: string): void {
  const sdk = realpathSync(requireHere.resolve("@pulumi/pulumi"));
  if (!existsSync(join(checkout, "node_modules")) && sdkFrom(checkout) !== sdk) {
    // …/node_modules/@pulumi/pulumi/index.js → …/node_modules
    symlinkSync(dirname(dirname(dirname(sdk))), join(checkout, "node_modules"), "dir");
  }
  const resolved = sdkFrom(checkout);
  if (resolved !== sdk) {
    throw new Error(
      `${checkout} resolves @pulumi/pulumi to ${resolved ?? "nothing"}, but the Automation API runs ${sdk}: the program would register its resources with an SDK that is not connected to the engine; make ${join(checkout, "node_modules")} a symlink to ${dirname(dirname(dirname(sdk)))}`,
    );
  }
}

/** Removes every module of the checkout (not its node_modules) from the require cache. */
function forgetCheckout(root: string): number {
  let removed = 0;
  for (const key of Object.keys(requireHere.cache)) {
    if (isUnder(root, key) && !inNodeModules(root, key)) {
      delete requireHere.cache[key];
      removed += 1;
    }
  }
  return removed;
}

/**
 * An Automation API inline program that runs `<checkout>/index.ts` as Pulumi's Node.js language
 * host would (see the header): on every call, freshly loaded with ts-node, its exports awaited and
 * returned as the stack outputs.
 */
export function indexProgram(checkout: string): InlineProgram {
  return async () => {
    const root = realpathSync(checkout);
    const entry = join(root, "index.ts");
    if (!existsSync(entry)) throw new Error(`${checkout} has no index.ts`);
    shareNodeModules(root);
    const options = languageHostTsNodeOptions(root);
    const tsNode = createRequire(entry)("ts-node") as { create(options: LanguageHostTsNodeOptions): TsNodeService };
    // A new service per load: the tsconfig is read again, as a new language host process reads it.
    services.set(root, tsNode.create(options));
    installHook();
    forgetCheckout(root);
    const programExport = requireHere(entry) as unknown;
    // As run.js: a module that exports a function is called; the result is awaited.
    const outputs = await (typeof programExport === "function" ? programExport() : programExport);
    return (outputs ?? {}) as Record<string, unknown>;
  };
}
