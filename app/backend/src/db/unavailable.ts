// Which errors mean "the database cannot be reached right now" rather than "this request is
// wrong" or "our code is wrong": those are answered 503 with Retry-After, so that a client (and
// the frontend's proxy, and a load balancer) sees a clean, retryable outage while Postgres
// restarts, instead of a 500 that looks like a bug.

/** Socket-level codes Node's net/dns report while the server is gone or unreachable. */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
]);

/**
 * SQLSTATEs of a server going away or not accepting connections yet: class 08 (connection
 * exception), 57P01 admin_shutdown (a fast shutdown, as on a pod's SIGTERM), 57P02
 * crash_shutdown, 57P03 cannot_connect_now (starting up or recovering).
 */
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[123])$/;

/** node-postgres' own messages for a connection that ended or never came up in time. */
const PG_CLIENT_MESSAGES = [
  /^Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /^Query read timeout$/i,
  /^Client has encountered a connection error and is not queryable$/i,
];

export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const { code, message, cause } = current as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof code === "string" && (NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATE.test(code))) return true;
    if (typeof message === "string" && PG_CLIENT_MESSAGES.some((pattern) => pattern.test(message))) return true;
    // AggregateError (a host with several addresses, each refused) carries its causes in `errors`.
    const errors = (current as { errors?: unknown[] }).errors;
    if (Array.isArray(errors) && errors.some((inner) => isDatabaseUnavailable(inner))) return true;
    current = cause;
  }
  return false;
}

/** Seconds a client should wait before retrying: about one restart of the in-cluster Postgres. */
export const RETRY_AFTER_SECONDS = 2;
