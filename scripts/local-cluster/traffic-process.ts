// startTraffic in a child process. The e2e runs its inline Pulumi program, the error hook and every
// kubectl and helm call (execFileSync) in its own process; load generated there stalls whenever
// they block, and the stall shows up as the app's latency. A child keeps its own event loop.
import { fork } from "node:child_process";

import { startTraffic, type TrafficHandle, type TrafficOptions, type TrafficWindow } from "./traffic";

const CHILD_FLAG = "--traffic-child";

type ChildMessage = { ready: true } | { window: TrafficWindow } | { error: string };

/** Like startTraffic, with the load in a child Node process; resolves once the child sends its first requests. */
export async function startTrafficProcess(options: TrafficOptions): Promise<TrafficHandle> {
  // tsx's loader by name, so the child starts the same from `npx tsx` and from vitest.
  const child = fork(__filename, [CHILD_FLAG, JSON.stringify(options)], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const next = () =>
    new Promise<ChildMessage>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`the traffic process exited (${code}) early`));
      child.once("exit", onExit);
      child.once("message", (message: ChildMessage) => {
        child.off("exit", onExit);
        resolve(message);
      });
    });
  const started = await next();
  if ("error" in started) throw new Error(`the traffic process failed to start: ${started.error}`);
  let stopped: Promise<TrafficWindow> | undefined;
  return {
    stop() {
      stopped ??= (async () => {
        const answer = next();
        child.send("stop");
        const message = await answer;
        if (!("window" in message))
          throw new Error(`the traffic process: ${"error" in message ? message.error : "no window"}`);
        return message.window;
      })();
      return stopped;
    },
  };
}

function runChild(options: TrafficOptions): void {
  const reply = (message: ChildMessage) => process.send?.(message);
  let handle: TrafficHandle;
  try {
    handle = startTraffic(options);
  } catch (error) {
    reply({ error: (error as Error).message });
    process.exit(1);
  }
  reply({ ready: true });
  process.once("message", () => {
    handle.stop().then(
      (window) => process.send?.({ window } satisfies ChildMessage, () => process.exit(0)),
      (error: Error) => process.send?.({ error: error.message } satisfies ChildMessage, () => process.exit(1)),
    );
  });
}

if (process.argv[2] === CHILD_FLAG && process.send) runChild(JSON.parse(process.argv[3] ?? "{}") as TrafficOptions);
