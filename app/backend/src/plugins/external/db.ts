// Decorates the app with the pg pool; the pool is closed when the app closes (after in-flight
// requests finished), which is the last step of a graceful shutdown.
import fp from "fastify-plugin";
import type pg from "pg";

declare module "fastify" {
  interface FastifyInstance {
    db: pg.Pool;
  }
}

export interface DbPluginOptions {
  pool: pg.Pool;
  /** Close the pool with the app (false when the caller owns the pool, as tests do). */
  closePool: boolean;
}

export default fp<DbPluginOptions>(
  async (app, { pool, closePool }) => {
    app.decorate("db", pool);
    if (closePool) app.addHook("onClose", async () => pool.end());
  },
  { name: "db" },
);
