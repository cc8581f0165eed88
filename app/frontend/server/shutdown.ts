// Graceful shutdown that drops no request during a rollout or a pod deletion; the same order as
// the backend's (app/backend/src/shutdown.ts), in Kubernetes (the chart's `shutdown` values):
//
//  1. The pod is marked for deletion: the kubelet runs the preStop sleep
//     (`shutdown.preStopSeconds`) while the pod leaves the Service's endpoints and kube-proxy
//     stops sending it new connections (NodePort included). This process serves normally: the
//     kept-alive connections of browsers and clients, pinned to this pod by conntrack, keep
//     bringing requests.
//  2. SIGTERM arrives, the endpoint already gone. `begin()`: /readyz answers 503 at once (for runs
//     without a preStop hook) and every response from now on carries `Connection: close`, so each
//     client moves to a live pod after its current response. Requests, proxied ones included,
//     are still served normally: close() is not called yet, so Fastify's return503OnClosing does
//     not apply.
//  3. After `drainMs` (`shutdown.drainSeconds`), `app.close()`: stop listening, close idle
//     keep-alive sockets, let in-flight requests (and their proxied calls) finish, close the
//     proxy's upstream connections.
//  4. Exit 0, or exit 1 when all of it takes longer than `timeoutMs` after SIGTERM.
import type { FastifyBaseLogger } from "fastify";

/** Whether shutdown began: read by /readyz and by the hook that adds `Connection: close`. */
export class DrainState {
  #draining = false;

  get draining(): boolean {
    return this.#draining;
  }

  begin(): void {
    this.#draining = true;
  }
}

export interface GracefulShutdownOptions {
  /** The server to close; `drain` must be the DrainState it was built with. */
  app: { close(): Promise<unknown>; log: FastifyBaseLogger };
  drain: DrainState;
  /** How long to keep serving after the signal, before closing (0: close at once). */
  drainMs: number;
  /** Exit 1 when drain + close take longer than this, counted from the signal. */
  timeoutMs: number;
  /** process.exit in production; tests record the code. */
  exit: (code: number) => void;
}

/** Returns the signal handler; a second signal while shutting down is ignored. */
export function gracefulShutdown(options: GracefulShutdownOptions): (signal: NodeJS.Signals) => Promise<void> {
  const { app, drain, drainMs, timeoutMs, exit } = options;
  let started: Promise<void> | undefined;
  let exited = false;
  const finish = (code: number) => {
    if (exited) return;
    exited = true;
    exit(code);
  };
  return (signal) => {
    if (started) return started;
    drain.begin();
    app.log.info({ signal, drainMs }, "shutting down: readiness is 503, draining before close");
    const force = setTimeout(() => {
      app.log.error({ timeoutMs }, "in-flight requests did not finish in time; exiting");
      finish(1);
    }, timeoutMs);
    force.unref();
    started = (async () => {
      try {
        if (drainMs > 0) await new Promise((resolve) => setTimeout(resolve, drainMs));
        await app.close();
        finish(0);
      } catch (error) {
        app.log.error({ err: error }, "error while closing");
        finish(1);
      } finally {
        clearTimeout(force);
      }
    })();
    return started;
  };
}
