// What the consumer creates from the platform's outputs, as plain objects (index.ts wraps them in
// resources; consumer.test.ts checks them without an engine).
import type * as k8s from "@pulumi/kubernetes";

import type { PlatformOutputs } from "./platform";

/** Config defaults, the same as examples/consumer/Pulumi.yaml's (checked by consumer.test.ts). */
export const CONSUMER_DEFAULTS = { namespace: "todo-consumer", kubeContext: "minikube" } as const;

/** Labels of everything the consumer creates; its namespace enforces Pod Security "restricted" like the platform's. */
export function consumerNamespaceLabels(): Record<string, string> {
  return {
    "pod-security.kubernetes.io/enforce": "restricted",
    "pod-security.kubernetes.io/audit": "restricted",
    "pod-security.kubernetes.io/warn": "restricted",
    "app.kubernetes.io/part-of": "todo-consumer",
    "app.kubernetes.io/managed-by": "pulumi",
  };
}

/** Data of the ConfigMap todo-platform-endpoints: what a client in this namespace reads. */
export function endpointsData(appUrl: string, backend: PlatformOutputs["backend"]): Record<string, string> {
  return {
    appUrl,
    backendUrl: backend.serviceUrl,
    backendDns: backend.serviceDns,
    backendImage: backend.imageRef,
  };
}

/** The backend's liveness route (app/backend/src/routes/health.ts): 200 {"status":"ok"}. */
export const HEALTHZ_PATH = "/healthz";

/**
 * `node -e` script of the check: GETs process.argv[1] until it answers 200, for about 20 s
 * (process.argv[2] ms, if given; a 3 s timeout per try, 2 s between tries), then exits 1 with the
 * last failure on stderr. Node 24 (the backend image's) has fetch built in.
 */
export const BACKEND_CHECK_SCRIPT = [
  "const url = process.argv[1];",
  "const budgetMs = Number(process.argv[2] || 20000);",
  "const deadline = Date.now() + budgetMs;",
  "(async () => {",
  "  let last = 'no attempt';",
  "  for (let attempt = 1; ; attempt++) {",
  "    try {",
  "      const res = await fetch(url, { signal: AbortSignal.timeout(3000) });",
  "      const body = (await res.text()).slice(0, 200);",
  "      if (res.status === 200) {",
  "        console.log('GET ' + url + ': 200 ' + body + ' (attempt ' + attempt + ')');",
  "        return;",
  "      }",
  "      last = 'HTTP ' + res.status + ' ' + body;",
  "    } catch (error) {",
  "      last = String((error.cause && (error.cause.code || error.cause.message)) || error.message);",
  "    }",
  "    if (Date.now() >= deadline) {",
  "      console.error('GET ' + url + ' failed after ' + attempt + ' attempts in ' + budgetMs / 1000 + ' s: ' + last);",
  "      process.exit(1);",
  "    }",
  "    await new Promise((resolve) => setTimeout(resolve, 2000));",
  "  }",
  "})();",
].join("\n");

/** uid/gid of the backend image (app/backend/Dockerfile `USER 1000`, the chart's podSecurityContext). */
const BACKEND_UID = 1000;

/**
 * The Job's spec: one pod of the platform's backend image (IfNotPresent: the node already has it)
 * whose command is replaced by the check of `<serviceUrl>/healthz`. Pod Security "restricted" (as
 * the chart's deployment.yaml: non-root uid 1000, RuntimeDefault seccomp, no privilege escalation,
 * no capabilities, read-only root), small resources, one retry. No ttlSecondsAfterFinished: Pulumi
 * keeps the Job in its state, and a Job the cluster deleted would be recreated by the next update.
 */
export function backendCheckJobSpec(backend: PlatformOutputs["backend"]): k8s.types.input.batch.v1.JobSpec {
  return {
    backoffLimit: 1,
    activeDeadlineSeconds: 180,
    template: {
      metadata: { labels: { "app.kubernetes.io/name": "backend-check", "app.kubernetes.io/part-of": "todo-consumer" } },
      spec: {
        restartPolicy: "Never",
        automountServiceAccountToken: false,
        securityContext: {
          runAsNonRoot: true,
          runAsUser: BACKEND_UID,
          runAsGroup: BACKEND_UID,
          seccompProfile: { type: "RuntimeDefault" },
        },
        containers: [
          {
            name: "check",
            image: backend.imageRef,
            imagePullPolicy: "IfNotPresent",
            command: ["node", "-e", BACKEND_CHECK_SCRIPT, `${backend.serviceUrl}${HEALTHZ_PATH}`],
            resources: {
              requests: { cpu: "20m", memory: "64Mi" },
              limits: { cpu: "500m", memory: "128Mi" },
            },
            securityContext: {
              allowPrivilegeEscalation: false,
              readOnlyRootFilesystem: true,
              runAsNonRoot: true,
              capabilities: { drop: ["ALL"] },
              seccompProfile: { type: "RuntimeDefault" },
            },
          },
        ],
      },
    },
  };
}
