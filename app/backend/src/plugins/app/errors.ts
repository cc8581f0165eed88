// Central error handling: client mistakes (validation, malformed JSON, oversized or unsupported
// bodies) become 4xx `{error, message}`; a database that cannot be reached becomes a retryable
// 503; anything else is logged in full and answered with a generic 500 so internals never leak.

import { STATUS_CODES } from "node:http";
import type { FastifyError } from "fastify";
import fp from "fastify-plugin";
import { isDatabaseUnavailable, RETRY_AFTER_SECONDS } from "../../db/unavailable.ts";
import { describeValidationError } from "../../validation.ts";

export default fp(
  async (app) => {
    app.setErrorHandler((error: FastifyError, request, reply) => {
      if (error.validation) {
        return reply
          .code(400)
          .send({ error: "Bad Request", message: describeValidationError(error.validationContext, error.validation) });
      }
      const status = error.statusCode ?? 500;
      if (status >= 400 && status < 500) {
        request.log.info({ err: error }, "client error");
        const message = error instanceof SyntaxError ? `body is not valid JSON: ${error.message}` : error.message;
        return reply.code(status).send({ error: STATUS_CODES[status] ?? "Client Error", message });
      }
      if (isDatabaseUnavailable(error)) {
        request.log.warn({ err: error }, "database unavailable");
        return reply
          .code(503)
          .header("retry-after", String(RETRY_AFTER_SECONDS))
          .send({ error: "Service Unavailable", message: "the database is unavailable; retry shortly" });
      }
      request.log.error({ err: error }, "request failed");
      const code = status >= 500 && status < 600 ? status : 500;
      return reply.code(code).send({ error: STATUS_CODES[code] ?? "Internal Server Error", message: "internal error" });
    });

    app.setNotFoundHandler((request, reply) =>
      reply
        .code(404)
        .send({ error: "Not Found", message: `no route for ${request.method} ${request.url.split("?")[0]}` }),
    );
  },
  { name: "errors" },
);
