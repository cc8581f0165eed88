// Builds the production server: static files from the Vite build, /api proxied to the backend,
// /healthz (alive), /readyz (can serve the app), and an SPA fallback. main.ts only starts it, so tests can use app.inject().
import { randomUUID } from "node:crypto";
import { access } from "node:fs/promises";
import { join } from "node:path";
import fastifyHttpProxy from "@fastify/http-proxy";
import fastifyStatic from "@fastify/static";
import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";
import { cacheControlFor, REVALIDATE, SECURITY_HEADERS } from "./headers.ts";

export interface BuildServerOptions {
  staticDir: string;
  backendUrl: URL | string;
  logger?: FastifyServerOptions["logger"];
}

/** Client-side routes (no file extension, not /api) get index.html; missing files stay 404. */
export function isSpaRoute(method: string, url: string): boolean {
  if (method !== "GET" && method !== "HEAD") return false;
  const path = url.split("?", 1)[0] ?? "/";
  if (path === "/api" || path.startsWith("/api/") || path.startsWith("/assets/")) return false;
  const lastSegment = path.slice(path.lastIndexOf("/") + 1);
  return !lastSegment.includes(".");
}

export async function buildServer(options: BuildServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    // Reuse the caller's request id (and pass it on to the backend) so logs join up.
    requestIdHeader: "x-request-id",
    genReqId: () => randomUUID(),
    trustProxy: true,
  });

  app.addHook("onRequest", async (_request, reply) => {
    reply.headers(SECURITY_HEADERS);
  });

  app.get("/healthz", async (_request, reply) => {
    reply.header("cache-control", "no-store");
    return { status: "ok" };
  });

  // Ready = this pod can serve the app itself. The backend is deliberately not checked: when it
  // is down the UI should still load and show its error state rather than vanish from the Service.
  app.get("/readyz", async (_request, reply) => {
    reply.header("cache-control", "no-store");
    try {
      await access(join(options.staticDir, "index.html"));
      return { status: "ready" };
    } catch {
      return reply.code(503).send({ status: "not ready", reason: "index.html is missing from the static directory" });
    }
  });

  await app.register(fastifyHttpProxy, {
    upstream: String(options.backendUrl).replace(/\/$/, ""),
    prefix: "/api",
    rewritePrefix: "/api",
    replyOptions: {
      rewriteRequestHeaders: (request, headers) => ({
        ...headers,
        "x-request-id": String(request.id),
        "x-forwarded-for": request.ip,
        "x-forwarded-proto": request.protocol,
        "x-forwarded-host": request.host,
      }),
      // The proxy library answers a refused connection with a bare 500; a gateway error says
      // truthfully that the backend, not this server, is what failed.
      onError: (reply, { error }) => {
        const timedOut = (error as { statusCode?: number }).statusCode === 504;
        reply.log.warn({ err: error }, "backend request failed");
        void reply
          .code(timedOut ? 504 : 502)
          .send({ error: timedOut ? "Gateway Timeout" : "Bad Gateway", message: "The backend is not answering" });
      },
    },
  });

  await app.register(fastifyStatic, {
    root: options.staticDir,
    // The build writes .br/.gz copies (precompress.mjs); clients that accept them get those.
    preCompressed: true,
    cacheControl: false,
    setHeaders: (reply, filePath) => reply.header("cache-control", cacheControlFor(filePath)),
  });

  app.setNotFoundHandler(async (request, reply) => {
    if (isSpaRoute(request.method, request.url)) {
      return reply.header("cache-control", REVALIDATE).sendFile("index.html");
    }
    return reply.code(404).send({ error: "Not Found", message: `${request.method} ${request.url} not found` });
  });

  return app;
}
