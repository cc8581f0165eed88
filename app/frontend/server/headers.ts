// Response headers the server owns: security headers on everything, and cache rules by file.
import { sep } from "node:path";

/** The app is one origin with no inline code, so 'self' is all it needs. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "permissions-policy": "camera=(), microphone=(), geolocation=()",
};

export const IMMUTABLE = "public, max-age=31536000, immutable";
export const REVALIDATE = "no-cache";
export const SHORT = "public, max-age=3600";

/**
 * Vite puts content-hashed files under assets/, so they can be cached forever; index.html names
 * the current hashes and must be revalidated on every load; anything else (favicon) briefly.
 */
export function cacheControlFor(filePath: string): string {
  // A precompressed copy (index.html.br) is cached like the file it stands for.
  const served = filePath.replace(/\.(br|gz)$/, "");
  if (served.includes(`${sep}assets${sep}`)) return IMMUTABLE;
  if (served.endsWith(".html")) return REVALIDATE;
  return SHORT;
}
