// Graceful shutdown that drops no request during a rollout or a pod deletion. The order, in
// Kubernetes (the chart's `shutdown` values):
//
//  1. The pod is marked for deletion. The kubelet runs the preStop hook, a plain sleep
//     (`shutdown.preStopSeconds`), while the endpoint controller removes the pod from the
//     Service and kube-proxy stops sending it NEW connections. This process knows nothing yet and
//     serves normally: connections opened before (kept alive, and pinned to this pod by conntrack)
//     keep bringing requests.
//  2. SIGTERM arrives, so the endpoint is already gone. `beginDrain()`: /readyz answers 503 at once
//     (for runs without a preStop hook: docker, a local cluster) and every response from now on
//     carries `Connection: close`, so each kept-alive client drops its socket after its current
//     response and reconnects through the Service to a live pod. Requests are still served
//     normally: close() is not called yet, so Fastify's `return503OnClosing` does not apply.
//  3. After `drainMs` (`shutdown.drainSeconds`), `app.close()`: stop listening, close the idle
//     keep-alive sockets (`forceCloseConnections: "idle"`), wait for in-flight requests, then the
//     onClose hooks, the database pool last. A client that kept a socket idle for the whole
//     drain has dropped it already when drainMs exceeds its idle timeout (the frontend proxy's is
//     4 s, the backend's drain 5 s), so no request meets a socket closed under it.
//  4. Exit 0, or exit 1 when all of it takes longer than `timeoutMs` after SIGTERM
//     (`shutdown.timeoutSeconds`, below the pod's terminationGracePeriodSeconds minus the preStop).
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
  /** The app to close; `drain` must be the DrainState the app was built with. */
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
      app.log.error({ timeoutMs }, "graceful shutdown timed out; exiting");
      finish(1);
    }, timeoutMs);
    force.unref();
    started = (async () => {
      try {
        if (drainMs > 0) await new Promise((resolve) => setTimeout(resolve, drainMs));
        app.log.info("drain over: closing (no new connections, idle sockets closed, in-flight requests finish)");
        await app.close();
        app.log.info("shutdown complete");
        finish(0);
      } catch (error) {
        app.log.error({ err: error }, "shutdown failed");
        finish(1);
      } finally {
        clearTimeout(force);
      }
    })();
    return started;
  };
}
