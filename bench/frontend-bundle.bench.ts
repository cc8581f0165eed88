// Frontend bundle benchmark (figures only, nothing asserted): the JavaScript a browser downloads
// for the app, raw and gzip-compressed, from a real production `vite build` of app/frontend. The
// build goes to a temporary outDir, so nothing in the working tree is written or replaced.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { gzipSync } from "node:zlib";

import { precompress } from "../app/frontend/precompress.mjs";

const FRONTEND = join(__dirname, "..", "app", "frontend");
const KB = 1024;
// zlib's default level, what common servers and proxies use; -9 saves only about 1 % more here.
const GZIP_LEVEL = 6;

/** vite's CLI, resolved the way npm scripts find it (vite does not export its bin path). */
function viteCli(): string {
  return join(dirname(require.resolve("vite/package.json", { paths: [FRONTEND] })), "bin", "vite.js");
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Script URLs that index.html loads (entry and modulepreload links). */
function referencedScripts(html: string): string[] {
  const srcs = [...html.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)].map((m) => m[1] ?? "");
  const preloads = [...html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g)].map((m) => m[1] ?? "");
  return [...srcs, ...preloads];
}

function main(): void {
  const outDir = mkdtempSync(join(tmpdir(), "todo-frontend-bundle-"));
  try {
    // The same client build as `npm run build:client` (vite build with vite.config.ts), into outDir.
    execFileSync(process.execPath, [viteCli(), "build", "--outDir", outDir, "--emptyOutDir", "--logLevel", "warn"], {
      cwd: FRONTEND,
      stdio: "inherit",
      env: { ...process.env, NODE_ENV: "production" },
    });
    const files = filesUnder(outDir);
    const scripts = files.filter((file) => file.endsWith(".js"));
    const styles = files.filter((file) => file.endsWith(".css"));
    const size = (paths: string[]) => {
      let raw = 0;
      let gzip = 0;
      for (const path of paths) {
        const bytes = readFileSync(path);
        raw += bytes.length;
        gzip += gzipSync(bytes, { level: GZIP_LEVEL }).length;
      }
      return { raw, gzip };
    };

    const html = readFileSync(join(outDir, "index.html"), "utf8");
    const loaded = referencedScripts(html);
    for (const script of scripts) {
      const { raw, gzip } = size([script]);
      const url = `/${relative(outDir, script)}`;
      const note = loaded.includes(url) ? "loaded by index.html" : "lazy chunk";
      console.log(
        `${url.padEnd(40)} ${(raw / KB).toFixed(1).padStart(7)} KB raw, ${(gzip / KB).toFixed(1).padStart(6)} KB gzip (${note})`,
      );
    }
    const js = size(scripts);
    const css = size(styles);
    console.log(`JS files:                 ${scripts.length}`);
    console.log(
      `JS total:                 ${(js.raw / KB).toFixed(1)} KB raw, ${(js.gzip / KB).toFixed(1)} KB gzip -${GZIP_LEVEL} (target ≤ 80 KB gzip)`,
    );
    console.log(
      `CSS total (not counted):  ${(css.raw / KB).toFixed(1)} KB raw, ${(css.gzip / KB).toFixed(1)} KB gzip -${GZIP_LEVEL}`,
    );
    // What the server actually sends: the build's precompressed copies (npm run build:compress).
    const copies = precompress(outDir);
    const sent = (suffix: string) =>
      copies
        .filter((copy) => copy.endsWith(`.js${suffix}`))
        .reduce((total, copy) => total + readFileSync(join(outDir, copy)).length, 0);
    console.log(
      `JS as served (precompressed copies): ${(sent(".br") / KB).toFixed(1)} KB Brotli, ${(sent(".gz") / KB).toFixed(1)} KB gzip -9`,
    );
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

main();
