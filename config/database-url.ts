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

/** Checks scheme, host, database name and, for Neon hosts, `sslmode=require` and the pooled host. */
export function checkDatabaseUrl(raw: string): DatabaseUrlCheck {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return {
      problems: ["is not a URL; expected postgresql://user:password@host/database?sslmode=require"],
      hints: [],
      isNeon: false,
    };
  }
  const problems: string[] = [];
  const hints: string[] = [];
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
