// One TCP connection tried from inside the local cluster, by a short-lived pod with the labels a
// NetworkPolicy selects on: whether a pod like that reaches host:port (cluster.sh's kube-router
// enforces the policies). The pod runs under Pod Security `restricted` (non-root, seccomp
// RuntimeDefault, every capability dropped, no privilege escalation, read-only root) on the
// node:24-bookworm-slim image, which the probe loads into the node's containerd when the node does
// not list it (`cluster.sh load`, pull policy Never: nothing is pulled, a missing image fails at once).
// The pod retries the connect until the timeout, so "not reached" takes the whole timeout.
//   const { reached, detail } = await probe({ namespace: "np", labels: { role: "client" },
//     target: "10.244.0.12:8080", timeoutSeconds: 3 });
//   npx tsx scripts/local-cluster/network-probe.ts --namespace np --label role=client --target HOST:PORT [--timeout 3]
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { Pod } from "kubernetes-models/v1/Pod";

import { apply, kubectl, loadImages } from "./support";

/** The probe's image, as Docker names it (prepare-machine puts it there; cluster.sh pushes it too). */
export const PROBE_IMAGE = "node:24-bookworm-slim";
/** The image's own non-root user (`node`), so runAsNonRoot holds on an image whose USER is root. */
const PROBE_UID = 1000;
/** How long the pod may take to be scheduled and started, on top of the connect timeout. */
const START_SECONDS = 60;
/** The line the probe prints, then a JSON object: { reached, detail, ms }. */
const RESULT_PREFIX = "PROBE ";

export interface ProbeOptions {
  namespace: string;
  /** The pod's labels: what the policies' podSelectors see. */
  labels?: Record<string, string>;
  /** host:port (an IP or a DNS name the pod resolves, e.g. a Service's). */
  target: string;
  /** How long the pod keeps trying to connect (it retries a refused or unanswered connect). */
  timeoutSeconds: number;
  /** The pod's name (default network-probe-<random>). */
  name?: string;
}

export interface ProbeResult {
  reached: boolean;
  detail: string;
}

export function parseTarget(target: string): { host: string; port: number } {
  const match = /^(\[[0-9a-fA-F:]+\]|[^:\s]+):(\d{1,5})$/.exec(target);
  const port = Number(match?.[2]);
  if (!match?.[1] || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`target must be host:port, got "${target}"`);
  }
  return { host: match[1].replace(/^\[(.*)\]$/, "$1"), port };
}

/**
 * The program the pod runs (`node -e`): connects to $PROBE_HOST:$PROBE_PORT, again every
 * RETRY_MS while refused or unanswered, until $PROBE_TIMEOUT_MS have passed; then one
 * RESULT_PREFIX line, exit 0 when connected, 1 otherwise. It retries because a policy engine learns
 * a new pod's address only once the pod runs (kube-router: at its next sync, a few hundred ms):
 * a first connect right at start can be refused by a default deny that already allows this pod.
 */
export const PROBE_SCRIPT = `
const net = require("node:net");
const host = process.env.PROBE_HOST, port = Number(process.env.PROBE_PORT), ms = Number(process.env.PROBE_TIMEOUT_MS);
const RETRY_MS = 200;
const started = Date.now();
let attempts = 0;
let lastError = "";
const finish = (reached, detail) => {
  const elapsed = Date.now() - started;
  console.log(${JSON.stringify(RESULT_PREFIX)} + JSON.stringify({ reached, detail, ms: elapsed, attempts }));
  process.exit(reached ? 0 : 1);
};
const attempt = () => {
  attempts++;
  const left = ms - (Date.now() - started);
  const socket = net.connect({ host, port });
  let done = false;
  const failed = (why) => {
    if (done) return;
    done = true;
    socket.destroy();
    const wait = Math.min(RETRY_MS, ms - (Date.now() - started));
    if (wait <= 0) finish(false, why);
    else setTimeout(attempt, wait);
  };
  // An attempt cut short by the deadline says what the earlier ones got (e.g. ECONNREFUSED).
  socket.setTimeout(Math.max(left, 1), () => failed(lastError || "no answer within " + ms + " ms"));
  socket.on("connect", () => {
    done = true;
    socket.destroy();
    finish(true, "connected to " + host + ":" + port);
  });
  socket.on("error", (error) => failed((lastError = error.code || error.message)));
};
attempt();
`;

/** The probe pod: restricted Pod Security, one container, no restarts, no service account token. */
export function probePod(options: ProbeOptions & { name: string }): Pod {
  const { host, port } = parseTarget(options.target);
  if (!(options.timeoutSeconds > 0)) throw new Error(`timeoutSeconds must be > 0, got ${options.timeoutSeconds}`);
  return new Pod({
    metadata: {
      name: options.name,
      namespace: options.namespace,
      labels: { "app.kubernetes.io/name": "network-probe", ...options.labels },
    },
    spec: {
      restartPolicy: "Never",
      automountServiceAccountToken: false,
      terminationGracePeriodSeconds: 0,
      activeDeadlineSeconds: Math.ceil(options.timeoutSeconds) + START_SECONDS,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: PROBE_UID,
        runAsGroup: PROBE_UID,
        seccompProfile: { type: "RuntimeDefault" },
      },
      containers: [
        {
          name: "probe",
          image: PROBE_IMAGE,
          imagePullPolicy: "Never",
          command: ["node", "-e", PROBE_SCRIPT],
          env: [
            { name: "PROBE_HOST", value: host },
            { name: "PROBE_PORT", value: String(port) },
            { name: "PROBE_TIMEOUT_MS", value: String(Math.round(options.timeoutSeconds * 1000)) },
          ],
          securityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ["ALL"] },
          },
          resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "128Mi" } },
        },
      ],
    },
  });
}

/** The probe's verdict from its log; without a result line, what the pod says instead. */
export function probeResult(log: string, phase: string, reason = ""): ProbeResult {
  const line = log
    .split("\n")
    .reverse()
    .find((text) => text.startsWith(RESULT_PREFIX));
  if (!line) {
    const why = [phase && `pod ${phase}`, reason].filter(Boolean).join(": ");
    return { reached: false, detail: `no probe result (${why || "no status"})${log.trim() ? `: ${log.trim()}` : ""}` };
  }
  const result = JSON.parse(line.slice(RESULT_PREFIX.length)) as {
    reached: boolean;
    detail: string;
    ms: number;
    attempts?: number;
  };
  const attempts = result.attempts ?? 1;
  return {
    reached: result.reached === true,
    detail: `${result.detail} (${result.ms} ms, ${attempts} attempt${attempts === 1 ? "" : "s"})`,
  };
}

/** Docker's short names as containerd lists them: node:24 -> docker.io/library/node:24. */
export function fullImageName(image: string): string {
  const first = image.split("/")[0] ?? "";
  const hasRegistry = image.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
  if (hasRegistry) return image;
  return `docker.io/${image.includes("/") ? image : `library/${image}`}`;
}

/** Whether a node's status.images lists `image`. */
export function nodeHasImage(nodeImages: { names?: string[] }[], image: string): boolean {
  const wanted = fullImageName(image);
  return nodeImages.some((entry) => (entry.names ?? []).some((name) => fullImageName(name) === wanted));
}

let probeImageLoaded = false;

/**
 * The probe image in the node's containerd: loaded from Docker when the node does not list it (the
 * kubelet lists a new image some seconds after it is imported, so one load per process is enough).
 */
export function ensureProbeImage(): void {
  if (probeImageLoaded) return;
  const nodes = JSON.parse(kubectl("get", "nodes", "-o", "json")) as {
    items: { status?: { images?: { names?: string[] }[] } }[];
  };
  if (!nodes.items.every((node) => nodeHasImage(node.status?.images ?? [], PROBE_IMAGE))) loadImages(PROBE_IMAGE);
  probeImageLoaded = true;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs the probe pod in `namespace`, waits for it to end, reads its verdict and deletes it. */
export async function probe(options: ProbeOptions): Promise<ProbeResult> {
  const name = options.name ?? `network-probe-${randomBytes(4).toString("hex")}`;
  const pod = probePod({ ...options, name });
  ensureProbeImage();
  apply([pod]);
  const ns = ["-n", options.namespace];
  try {
    const deadline = Date.now() + (options.timeoutSeconds + START_SECONDS) * 1000;
    let phase = "";
    let reason = "";
    while (Date.now() < deadline) {
      const { status = {} } = JSON.parse(kubectl(...ns, "get", "pod", name, "-o", "json")) as {
        status?: {
          phase?: string;
          containerStatuses?: { state?: { waiting?: { reason?: string; message?: string } } }[];
        };
      };
      phase = status.phase ?? "";
      const waiting = status.containerStatuses?.[0]?.state?.waiting;
      reason = waiting ? [waiting.reason, waiting.message].filter(Boolean).join(": ") : "";
      if (phase === "Succeeded" || phase === "Failed") break;
      // An image or config error never ends the pod by itself.
      if (/ErrImageNeverPull|CreateContainerConfigError|InvalidImageName/.test(reason)) break;
      await sleep(500);
    }
    let log = "";
    try {
      log = kubectl(...ns, "logs", name);
    } catch (error) {
      reason = [reason, (error as Error).message.split("\n").slice(1).join(" ").trim()].filter(Boolean).join("; ");
    }
    return probeResult(log, phase, reason);
  } finally {
    kubectl(...ns, "delete", "pod", name, "--ignore-not-found", "--wait=false");
  }
}

if (require.main === module) {
  const { values } = parseArgs({
    options: {
      namespace: { type: "string" },
      label: { type: "string", multiple: true, default: [] },
      target: { type: "string" },
      timeout: { type: "string", default: "3" },
    },
  });
  if (!values.namespace || !values.target) {
    console.error(
      "usage: network-probe.ts --namespace NS [--label KEY=VALUE]... --target HOST:PORT [--timeout SECONDS]",
    );
    process.exit(2);
  }
  const labels = Object.fromEntries(
    (values.label ?? []).map((pair) => {
      const at = pair.indexOf("=");
      return at > 0 ? [pair.slice(0, at), pair.slice(at + 1)] : [pair, ""];
    }),
  );
  const started = Date.now();
  probe({ namespace: values.namespace, labels, target: values.target, timeoutSeconds: Number(values.timeout) }).then(
    (result) => {
      process.stdout.write(`${JSON.stringify({ ...result, podSeconds: (Date.now() - started) / 1000 })}\n`);
      process.exit(result.reached ? 0 : 1);
    },
    (error: Error) => {
      process.stderr.write(`network-probe: ${error.message}\n`);
      process.exit(2);
    },
  );
}
