// pino options shared by the server and the migrate command: JSON to stdout, secrets redacted.
import type { FastifyServerOptions } from "fastify";
import pino from "pino";

export function loggerOptions(level: string) {
  return {
    level,
    redact: { paths: ["req.headers.authorization", "req.headers.cookie", "password", "*.password"], censor: "***" },
  } satisfies FastifyServerOptions["logger"];
}

export function createLogger(level: string) {
  return pino(loggerOptions(level));
}
