// Builds the Fastify app: external plugins (db), app plugins (errors, repositories), then routes.
// No listening here: server.ts does that, tests use app.inject().
import { randomUUID } from "node:crypto";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import Fastify, { type FastifyBaseLogger, type FastifyReply, type FastifyRequest, LogController } from "fastify";
import type pg from "pg";
import errors from "./plugins/app/errors.ts";
import todos from "./plugins/app/todos.ts";
import db from "./plugins/external/db.ts";
import todoRoutes from "./routes/api/todos.ts";
import healthRoutes from "./routes/health.ts";
import { DrainState } from "./shutdown.ts";
import { validatorCompiler } from "./validation.ts";

declare module "fastify" {
  interface FastifyInstance {
    /** Set when SIGTERM arrived (shutdown.ts): /readyz answers 503, responses close their socket. */
    drain: DrainState;
  }
}

/**
 * Idle keep-alive sockets live this long. Longer than the frontend proxy's upstream idle timeout
 * (app/frontend/server/app.ts UPSTREAM_KEEP_ALIVE_MS, 4 s), so the backend never closes a socket
 * the proxy is about to reuse: the client side always gives an idle socket up first.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;
/** A request (headers and body) must arrive within this long. */
export const REQUEST_TIMEOUT_MS = 30_000;

export interface BuildAppOptions {
  pool: pg.Pool;
  /** Close the pool when the app closes (default true). */
  closePool?: boolean;
  readyTimeoutMs?: number;
  /** pino instance for request logs (default: logging off, as in tests). */
  logger?: FastifyBaseLogger;
  /** Largest accepted request body in bytes (default 64 KiB; a todo is at most ~2 KiB). */
  bodyLimit?: number;
  /** Shutdown state the signal handler flips (default: a fresh one, never draining). */
  drain?: DrainState;
}

/**
 * One log line per request instead of Fastify's two ("incoming request" + "request completed"):
 * the completion line carries the request too (method, url, host, peer), so nothing is lost but
 * half the serialization, redaction and pipe writes on every request. Error lines are unchanged.
 */
class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    const line = { req: request, res: reply, responseTime: reply.elapsedTime };
    if (error) reply.log.error({ ...line, err: error }, "request errored");
    else reply.log.info(line, "request completed");
  }
}

// A caller-supplied x-request-id is kept only if it is short and harmless to log.
const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

export async function buildApp(options: BuildAppOptions) {
  const app = Fastify({
    ...(options.logger
      ? { loggerInstance: options.logger, logController: new OneLinePerRequest() }
      : { logger: false }),
    bodyLimit: options.bodyLimit ?? 64 * 1024,
    requestIdHeader: false,
    genReqId: (request) => {
      const header = request.headers["x-request-id"];
      return typeof header === "string" && REQUEST_ID_PATTERN.test(header) ? header : randomUUID();
    },
    onProtoPoisoning: "error",
    onConstructorPoisoning: "error",
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    requestTimeout: REQUEST_TIMEOUT_MS,
    // Shutdown (shutdown.ts) drains first and calls close() only after the drain, so this 503
    // never meets a request during the preStop pause or the drain (close() at SIGTERM would 503
    // every request on a kept-alive connection). By the time close() runs, every socket that
    // carried a request has been told `Connection: close`; the only requests that still reach the
    // router are pipelined behind an in-flight one, and their answer is dropped with the socket.
    // Better unprocessed (503) than processed unseen (a POST the client cannot know succeeded).
    return503OnClosing: true,
    // close() destroys the sockets that carry no request; in-flight ones finish first.
    forceCloseConnections: "idle",
  }).withTypeProvider<TypeBoxTypeProvider>();

  const drain = options.drain ?? new DrainState();
  app.decorate("drain", drain);
  app.setValidatorCompiler(validatorCompiler);
  // A callback hook, not an async one: no promise and no extra microtask on every request. onSend,
  // not onRequest: the drain check must see the state when the response goes out, so a request
  // that began before SIGTERM and ends during the drain or the close also closes its socket
  // (otherwise server.close() would wait out the 65 s keep-alive of that socket).
  app.addHook("onSend", (request, reply, payload, done) => {
    reply.header("x-request-id", request.id);
    // Draining: answer, then close the socket, so the client reconnects through the Service to a
    // pod that is not going away (its kept-alive connection is pinned to this one).
    if (drain.draining) reply.header("connection", "close");
    done(null, payload);
  });

  await app.register(db, { pool: options.pool, closePool: options.closePool ?? true });
  await app.register(errors);
  await app.register(todos);
  await app.register(healthRoutes, { readyTimeoutMs: options.readyTimeoutMs ?? 1_000 });
  await app.register(todoRoutes, { prefix: "/api/todos" });
  return app;
}

export type App = Awaited<ReturnType<typeof buildApp>>;
