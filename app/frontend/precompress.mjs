// Writes a Brotli (.br) and a gzip (.gz) copy beside every text asset of the Vite build, once, at
// build time: the server hands them to browsers that accept them (@fastify/static preCompressed),
// so the 220 KB app script travels as ~70 KB without compressing on every request.
//   node precompress.mjs dist/client
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { extname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const COMPRESSIBLE = new Set([".html", ".js", ".mjs", ".css", ".svg", ".json", ".txt", ".webmanifest"]);
/** Below this a compressed copy saves less than the headers it costs. */
const MIN_BYTES = 1024;

/** Compresses the text files under `dir`; returns the copies written, relative to `dir`. */
export function precompress(dir) {
  const written = [];
  const walk = (relative) => {
    for (const entry of readdirSync(join(dir, relative), { withFileTypes: true })) {
      const path = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        walk(path);
        continue;
      }
      if (!entry.isFile() || !COMPRESSIBLE.has(extname(entry.name))) continue;
      const source = readFileSync(join(dir, path));
      if (source.length < MIN_BYTES) continue;
      const copies = {
        ".br": brotliCompressSync(source, {
          params: {
            [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
            [constants.BROTLI_PARAM_SIZE_HINT]: source.length,
          },
        }),
        ".gz": gzipSync(source, { level: 9 }),
      };
      for (const [suffix, data] of Object.entries(copies)) {
        // A copy that is not smaller would only cost bytes on disk.
        if (data.length >= source.length) continue;
        writeFileSync(join(dir, `${path}${suffix}`), data);
        written.push(`${path}${suffix}`);
      }
    }
  };
  walk("");
  return written;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const dir = process.argv[2];
  if (!dir || !statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
    console.error("usage: node precompress.mjs <directory of the client build>");
    process.exit(2);
  }
  const written = precompress(dir);
  console.log(`precompress: ${written.length} compressed copies in ${dir}`);
}
