// Liveness (process is up) and readiness (database answers quickly, and not shutting down) for
// Kubernetes probes.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { pingDatabase } from "../db/pool.ts";

const Status = Type.Object({ status: Type.String() });

export interface HealthRoutesOptions {
  readyTimeoutMs: number;
}

const healthRoutes: FastifyPluginAsyncTypebox<HealthRoutesOptions> = async (app, { readyTimeoutMs }) => {
  app.get("/healthz", { schema: { response: { 200: Status } }, logLevel: "warn" }, async () => ({ status: "ok" }));

  app.get(
    "/readyz",
    { schema: { response: { 200: Status, 503: Status } }, logLevel: "warn" },
    async (_request, reply) => {
      // From SIGTERM on, not ready: no Service should pick this pod while it drains (shutdown.ts).
      if (app.drain.draining) return reply.code(503).send({ status: "shutting down" });
      const ready = await pingDatabase(app.db, readyTimeoutMs);
      return reply.code(ready ? 200 : 503).send({ status: ready ? "ready" : "database unavailable" });
    },
  );
};

export default healthRoutes;
