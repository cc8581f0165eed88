// Builds the production server: static files from the Vite build, /api proxied to the backend,
// /healthz (alive), /readyz (can serve the app), and an SPA fallback. main.ts only starts it, so tests can use app.inject().
import { randomUUID } from "node:crypto";
import { access } from "node:fs/promises";
import { join } from "node:path";
import fastifyHttpProxy from "@fastify/http-proxy";
import fastifyStatic from "@fastify/static";
import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";
import { cacheControlFor, REVALIDATE, SECURITY_HEADERS } from "./headers.ts";
import { DrainState } from "./shutdown.ts";

/**
 * The proxy gives up an idle upstream socket after this long, whatever the backend's
 * `Keep-Alive: timeout=65` hint says (undici would otherwise keep it 63 s). Two reasons: it stays
 * below the backend's own keep-alive timeout (65 s), so the backend never closes a socket the
 * proxy is about to reuse; and below the backend's shutdown drain (the chart's 5 s), so by the
 * time a draining backend pod closes its idle sockets, the proxy has dropped every one of them.
 * undici's own default is 4 s too, but only when the server sends no hint.
 */
export const UPSTREAM_KEEP_ALIVE_MS = 4_000;
/**
 * Idle client sockets live this long (Fastify's default, set explicitly): longer than the 60 s an
 * ingress-nginx upstream keeps its idle sockets, so nginx always gives one up first.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 72_000;
/** Wait before the one retry of an idempotent request (reply-from retries only on a truthy delay). */
const RETRY_DELAY_MS = 10;

/** Socket failures that mean the request never reached a handler, or got no answer at all. */
const RETRYABLE_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE", "UND_ERR_SOCKET"]);

/**
 * Whether to send an upstream request again: once, for GET/HEAD only, when it failed with a
 * connection error before any response came (a kept-alive socket the backend closed as the request
 * went out, a pod that just stopped listening). Never for POST/PATCH/DELETE: the backend may have
 * acted on it. Never on a response, 503 included: it is passed on as it is.
 */
export function shouldRetryUpstream(attempt: {
  method: string;
  error?: { code?: string } | null;
  response?: unknown;
  retries: number;
}): boolean {
  if (attempt.retries > 0 || attempt.response || !attempt.error) return false;
  if (attempt.method !== "GET" && attempt.method !== "HEAD") return false;
  return RETRYABLE_CODES.has(attempt.error.code ?? "");
}

const HOP_BY_HOP = ["connection", "keep-alive", "proxy-connection", "upgrade", "transfer-encoding"];

/**
 * The upstream response's headers without its hop-by-hop ones (RFC 9110 §7.6.1): the backend's
 * `Connection`/`Keep-Alive` describe the proxy's socket to it, not the client's socket to us.
 * Passed on, a draining backend's `Connection: close` would close the client's connection and its
 * `Keep-Alive: timeout=65` would replace this server's own.
 */
export function withoutHopByHop<T extends Record<string, unknown>>(headers: T): T {
  const named = String(headers.connection ?? "")
    .split(",")
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  const result: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (!HOP_BY_HOP.includes(lower) && !named.includes(lower)) result[name] = value;
  }
  return result as T;
}

export interface BuildServerOptions {
  staticDir: string;
  backendUrl: URL | string;
  logger?: FastifyServerOptions["logger"];
  /** Shutdown state the signal handler flips (default: a fresh one, never draining). */
  drain?: DrainState;
  /** Idle upstream socket lifetime (default UPSTREAM_KEEP_ALIVE_MS; tests shorten it). */
  upstreamKeepAliveMs?: number;
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
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    // close() runs only after the drain (shutdown.ts), when every socket that carried a request has
    // been told `Connection: close`; what still reaches the router then is pipelined behind an
    // in-flight request, and its answer would be dropped with the socket: better a 503 that did
    // nothing (Fastify's default, kept) than a proxied POST the client never hears about.
    return503OnClosing: true,
    // close() destroys the sockets that carry no request; in-flight ones finish first.
    forceCloseConnections: "idle",
  });
  const drain = options.drain ?? new DrainState();

  app.addHook("onRequest", async (_request, reply) => {
    reply.headers(SECURITY_HEADERS);
  });
  // Draining: answer, then close the socket, so the client reconnects through the Service to a pod
  // that is not going away. onSend sees the state when the answer leaves, so a request begun before
  // SIGTERM closes its socket too (close() would otherwise wait out that socket's keep-alive).
  app.addHook("onSend", (_request, reply, payload, done) => {
    if (drain.draining) reply.header("connection", "close");
    done(null, payload);
  });

  app.get("/healthz", async (_request, reply) => {
    reply.header("cache-control", "no-store");
    return { status: "ok" };
  });

  // Ready = this pod can serve the app itself. The backend is deliberately not checked: when it
  // is down the UI should still load and show its error state rather than vanish from the Service.
  app.get("/readyz", async (_request, reply) => {
    reply.header("cache-control", "no-store");
    // From SIGTERM on, not ready: no Service should pick this pod while it drains (shutdown.ts).
    if (drain.draining) return reply.code(503).send({ status: "not ready", reason: "shutting down" });
    try {
      await access(join(options.staticDir, "index.html"));
      return { status: "ready" };
    } catch {
      return reply.code(503).send({ status: "not ready", reason: "index.html is missing from the static directory" });
    }
  });

  const upstreamKeepAliveMs = options.upstreamKeepAliveMs ?? UPSTREAM_KEEP_ALIVE_MS;
  await app.register(fastifyHttpProxy, {
    upstream: String(options.backendUrl).replace(/\/$/, ""),
    prefix: "/api",
    rewritePrefix: "/api",
    // reply-from's undici Agent; its other defaults (128 connections, no pipelining) stay.
    undici: { keepAliveTimeout: upstreamKeepAliveMs, keepAliveMaxTimeout: upstreamKeepAliveMs },
    replyOptions: {
      rewriteRequestHeaders: (request, headers) => ({
        ...headers,
        "x-request-id": String(request.id),
        "x-forwarded-for": request.ip,
        "x-forwarded-proto": request.protocol,
        "x-forwarded-host": request.host,
      }),
      rewriteHeaders: (headers) => withoutHopByHop(headers),
      // reply-from's own policy would retry a GET answered 503 up to 10 times; this one retries
      // once, and only what shouldRetryUpstream allows. At run time `req` is reply-from's upstream
      // request ({ method, … }) and `res` its upstream response, or undefined when none came.
      retryDelay: ({ err, req, res, attempt }) =>
        shouldRetryUpstream({
          method: (req as unknown as { method: string }).method,
          error: err as { code?: string } | null,
          response: res,
          retries: attempt,
        })
          ? RETRY_DELAY_MS
          : null,
      // The proxy library answers a refused connection with a bare 500; a gateway error says
      // truthfully that the backend, not this server, is what failed. (A response from the
      // backend, its own 503 included, is passed on unchanged and never comes here.)
      onError: (reply, { error }) => {
        const status = (error as { statusCode?: number }).statusCode;
        reply.log.warn({ err: error }, "backend request failed");
        if (status === 504) {
          void reply.code(504).send({ error: "Gateway Timeout", message: "The backend did not answer in time" });
        } else if (status === 503) {
          void reply.code(503).send({ error: "Service Unavailable", message: "The backend is not available" });
        } else {
          void reply.code(502).send({ error: "Bad Gateway", message: "The backend is not answering" });
        }
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
