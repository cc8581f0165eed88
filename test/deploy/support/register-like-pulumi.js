// Preload that registers ts-node exactly as Pulumi's Node.js language host does for a TypeScript
// program that is not an ES module (@pulumi/pulumi cmd/run/run.js): transpileOnly from
// PULUMI_NODEJS_TRANSPILE_ONLY, else from the tsconfig's `noCheck`; the project's tsconfig (with its
// "ts-node" section, e.g. swc) and Pulumi's compiler defaults under the tsconfig's own options.
// Tests load index.ts through this so they see what `pulumi up` sees, not what vitest compiles.
const { readFileSync } = require("node:fs");
const { join } = require("node:path");
const ts = require("typescript");

const project = process.env.TS_NODE_PROJECT ?? join(process.cwd(), "tsconfig.json");
const parsed = ts.parseConfigFileTextToJson(project, readFileSync(project, "utf8"));
if (parsed.error)
  throw new Error(`cannot read ${project}: ${ts.flattenDiagnosticMessageText(parsed.error.messageText, "\n")}`);
const compilerOptions = parsed.config.compilerOptions ?? {};
const transpileEnv = process.env.PULUMI_NODEJS_TRANSPILE_ONLY;
const transpileOnly = transpileEnv ? transpileEnv === "true" : compilerOptions.noCheck;

require("ts-node").register({
  compiler: require.resolve("typescript"),
  transpileOnly,
  project,
  compilerOptions: {
    target: "ES2020",
    module: "nodenext",
    moduleResolution: "nodenext",
    sourceMap: "true",
    ...compilerOptions,
  },
});
