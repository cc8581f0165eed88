// Validation of the Neon (or any Postgres) connection URL from config `databaseUrl`. Pure: it
// returns problems and hints as text that never contains the URL or its password.

/** Hosts served by Neon; they require TLS and offer a `-pooler` endpoint for many short connections. */
const NEON_HOST = /\.neon\.(tech|build)$/i;
const SSL_MODES_WITH_TLS = new Set(["require", "verify-ca", "verify-full"]);

export interface DatabaseUrlCheck {
  /** Problems that make the URL unusable; empty when it is valid. */
  problems: string[];
  /** Advice that does not block the deploy (e.g. use the pooled Neon host). */
  hints: string[];
  /** Host name, safe to show (no credentials). */
  host?: string;
  isNeon: boolean;
}

/**
 * The fix for a placeholder. `pulumi config set --secret databaseUrl` without a value prompts for
 * it, so the real URL is pasted at a prompt, never typed into (or kept in) a shell command line.
 */
export const PLACEHOLDER_FIX =
  "copy the real connection string from the Neon console (Connect, with the password shown) and run `pulumi config set --secret databaseUrl`, which prompts for it; or `pulumi config rm databaseUrl` to use the in-cluster Postgres";

// What marks a URL as a template rather than a real connection string. Each rule names the part
// (never its value: the password must not reach a message) and is a shape no real URL has:
//  - `<…>` anywhere (`<password>`, `<host>`) and `[…]` around a word in the user info (Neon's
//    docs write `[user]:[password]`); an IPv6 host `[::1]` holds no letter past f and is not one;
//  - an ellipsis `…` (docs abbreviate hosts as `ep-…-pooler`);
//  - the literal credentials `user:password` / `username:password`, and a password of only `*`
//    (the Neon console masks it until "show password");
//  - a `YOUR_…` / `your-…` word, or a run of three or more `x` as a whole word (`xxx`, `ep-xxxx`),
//    in the user, password, host or database;
//  - the host `host` / `hostname`, an RFC 2606 `example` label (`db.example.com`), and on Neon the
//    documentation's endpoints (`ep-example-…`, `ep-cool-darkness-…`) or its password `AbC123dEf`.
const ANGLE_BRACKETS = /<[^<>]*>/;
const SQUARE_BRACKET_WORD = /\[[^\]]*[g-z_][^\]]*\]/i;
const ELLIPSIS = /\u2026/;
const YOUR_WORD = /(^|[^a-z0-9])your[-_]/i;
const XXX_WORD = /(^|[^a-z0-9])x{3,}($|[^a-z0-9])/i;
const PLACEHOLDER_HOSTS = new Set(["host", "hostname"]);
const NEON_DOCS_ENDPOINT = /^ep-(example|cool-darkness)(-|$)/i;
const NEON_DOCS_PASSWORD = "AbC123dEf";

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/** Why `raw` is a template rather than a real URL, one reason per rule hit; empty when it is none. */
export function placeholderReasons(raw: string): string[] {
  const reasons: string[] = [];
  if (ANGLE_BRACKETS.test(raw)) reasons.push("it has text in angle brackets (<…>)");
  if (ELLIPSIS.test(raw)) reasons.push("it has an ellipsis (…) where a name belongs");
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return reasons;
  }
  const user = decode(url.username);
  const password = decode(url.password);
  const host = url.hostname.toLowerCase();
  if (SQUARE_BRACKET_WORD.test(`${user}:${password}`)) {
    reasons.push("its user info has a word in square brackets ([…])");
  }
  if (/^(user|username)$/i.test(user) && /^password$/i.test(password)) {
    reasons.push("its credentials are the literal user:password");
  }
  if (/^\*+$/.test(password)) {
    reasons.push("its password is masked (only *); show the password in the Neon console before copying");
  }
  const parts: Array<[string, string]> = [
    ["user name", user],
    ["password", password],
    ["host", host],
    ["database name", decode(url.pathname.replace(/^\//, ""))],
  ];
  if (!ANGLE_BRACKETS.test(raw) && parts.some(([, value]) => ANGLE_BRACKETS.test(value))) {
    reasons.push("it has text in angle brackets (<…>, percent-encoded)");
  }
  for (const [name, value] of parts) {
    if (YOUR_WORD.test(value)) reasons.push(`its ${name} is a YOUR_… placeholder`);
    else if (XXX_WORD.test(value)) reasons.push(`its ${name} is an xxx placeholder`);
  }
  if (PLACEHOLDER_HOSTS.has(host)) reasons.push(`its host is the word "${host}"`);
  if (host.split(".").includes("example")) reasons.push(`its host ${host} is a reserved example domain (RFC 2606)`);
  if (NEON_HOST.test(host)) {
    if (NEON_DOCS_ENDPOINT.test(host)) reasons.push(`its host ${host} is an example endpoint from documentation`);
    if (password === NEON_DOCS_PASSWORD) reasons.push("its password is the one in Neon's documentation");
  }
  return reasons;
}

/**
 * Checks that the URL is not a placeholder (first, as that is the fix to make), then scheme, host,
 * database name and, for Neon hosts, `sslmode=require` and the pooled host.
 */
export function checkDatabaseUrl(raw: string): DatabaseUrlCheck {
  const problems: string[] = [];
  const hints: string[] = [];
  const placeholder = placeholderReasons(raw);
  if (placeholder.length > 0) {
    problems.push(`is a placeholder, not a real connection URL (${placeholder.join("; ")}): ${PLACEHOLDER_FIX}`);
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // `<host>` makes the URL unparsable; the placeholder message already says what to do.
    if (problems.length === 0) {
      problems.push("is not a URL; expected postgresql://user:password@host/database?sslmode=require");
    }
    return { problems, hints, isNeon: false };
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    problems.push(`has scheme "${url.protocol.replace(/:$/, "")}"; expected postgresql:// (or postgres://)`);
  }
  const host = url.hostname;
  if (!host) problems.push("has no host; expected postgresql://user:password@host/database");
  const database = decodeURIComponent(url.pathname.replace(/^\//, ""));
  if (!database || database.includes("/")) problems.push("has no database name; expected …@host/<database>");
  if (!url.username) problems.push("has no user name; expected postgresql://<user>:<password>@host/database");
  const isNeon = NEON_HOST.test(host);
  if (isNeon) {
    const sslmode = url.searchParams.get("sslmode");
    if (!sslmode || !SSL_MODES_WITH_TLS.has(sslmode)) {
      problems.push(`points at Neon (${host}) without sslmode=require; append ?sslmode=require`);
    }
    if (!url.password)
      problems.push(`points at Neon (${host}) without a password; copy the full URL from the Neon console`);
    if (!host.split(".")[0]?.endsWith("-pooler")) {
      hints.push(
        `databaseUrl uses Neon's direct host ${host}; the pooled host (${host.replace(/^([^.]+)/, "$1-pooler")}) handles many short connections better`,
      );
    }
  }
  return { problems, hints, host: host || undefined, isNeon };
}

/**
 * The TCP port a valid databaseUrl connects to: its explicit port, else Postgres's 5432. Only the
 * number leaves the URL (for the backend's NetworkPolicy egress); the URL itself stays secret. Pure.
 */
export function databaseUrlPort(raw: string): number {
  let port = "";
  try {
    port = new URL(raw).port;
  } catch {
    throw new Error("databaseUrl is not a URL (its value is not shown); run `pulumi config set --secret databaseUrl`");
  }
  return port === "" ? 5432 : Number(port);
}
