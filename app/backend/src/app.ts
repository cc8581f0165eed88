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
import { validatorCompiler } from "./validation.ts";

export interface BuildAppOptions {
  pool: pg.Pool;
  /** Close the pool when the app closes (default true). */
  closePool?: boolean;
  readyTimeoutMs?: number;
  /** pino instance for request logs (default: logging off, as in tests). */
  logger?: FastifyBaseLogger;
  /** Largest accepted request body in bytes (default 64 KiB; a todo is at most ~2 KiB). */
  bodyLimit?: number;
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
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  // A callback hook, not an async one: no promise and no extra microtask on every request.
  app.addHook("onRequest", (request, reply, done) => {
    reply.header("x-request-id", request.id);
    done();
  });

  await app.register(db, { pool: options.pool, closePool: options.closePool ?? true });
  await app.register(errors);
  await app.register(todos);
  await app.register(healthRoutes, { readyTimeoutMs: options.readyTimeoutMs ?? 1_000 });
  await app.register(todoRoutes, { prefix: "/api/todos" });
  return app;
}

export type App = Awaited<ReturnType<typeof buildApp>>;
