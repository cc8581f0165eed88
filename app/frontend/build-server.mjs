// Bundles the production server (server/main.ts and its npm dependencies) into one ESM file, so
// the runtime image needs no node_modules: a smaller image and nothing to resolve at startup.
import { build } from "esbuild";

await build({
  entryPoints: ["server/main.ts"],
  outfile: "dist/server/main.js",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  legalComments: "none",
  sourcemap: "linked",
  // Stack traces map back to file:line; the sources themselves would only add megabytes.
  sourcesContent: false,
  logLevel: "info",
  // fastify and its plugins are CommonJS and call require() for Node built-ins.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
});
