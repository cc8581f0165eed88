// Bundles the backend and @todo/api (TypeScript sources) into dist/main.js. Third-party packages
// stay external: the image installs them with `npm ci --omit=dev`, so this file is all that
// changes when backend code changes (small, cache-friendly image layers).
import { readFileSync } from "node:fs";
import { build } from "esbuild";

const manifest = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8"));
const external = Object.keys(manifest.dependencies ?? {}).filter((name) => !name.startsWith("@todo/"));

await build({
  entryPoints: [new URL("./src/main.ts", import.meta.url).pathname],
  outfile: new URL("./dist/main.js", import.meta.url).pathname,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  external,
  sourcemap: "linked",
  legalComments: "none",
  logLevel: "warning",
});
