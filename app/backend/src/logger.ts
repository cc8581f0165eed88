// pino options shared by the server and the migrate command: JSON to stdout, secrets redacted.
import type { FastifyServerOptions } from "fastify";
import pino from "pino";

export function loggerOptions(level: string) {
  return {
    level,
    redact: { paths: ["req.headers.authorization", "req.headers.cookie", "password", "*.password"], censor: "***" },
  } satisfies FastifyServerOptions["logger"];
}

/**
 * Writes to stdout asynchronously: lines logged while a write is in flight go out together in the
 * next one, instead of one blocking write(2) per line on the request path. Nothing waits for a
 * size threshold (minLength 0), so a line is late by at most one write. pino flushes what is left
 * synchronously on process exit (including process.exit and an uncaught exception); only a
 * SIGKILL can lose the lines of the write in flight.
 */
export function createLogger(level: string) {
  return pino(loggerOptions(level), pino.destination({ dest: 1, sync: false, minLength: 0 }));
}
