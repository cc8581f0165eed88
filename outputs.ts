// The stack output contract other stacks read with StackReference (see examples/consumer and
// README.md). Change it only together with both.
import type * as pulumi from "@pulumi/pulumi";

import type { HealthReport } from "./aiops/types";
import type { DatabaseMode } from "./components/database";

/** One Helm release as the stack reports it. */
export interface ReleaseSummary {
  /** Helm release name (`helm list -n <namespace>`). */
  releaseName: string;
  /** Helm revision (`helm history`); grows by one per upgrade. */
  revision: number;
  /** Helm status, e.g. "deployed". */
  status: string;
  /** Exact image reference the pods run. */
  imageRef: string;
  /** In-cluster DNS name of the Service, `<release>.<namespace>.svc.cluster.local`. */
  serviceDns: string;
  /** In-cluster URL, `http://<serviceDns>:80`. */
  serviceUrl: string;
}

/** Plain values of the stack outputs. */
export interface PlatformOutputs {
  /**
   * How to open the app: `http://<ingressHost>/` when ingressHost is set, otherwise the command
   * `minikube -p <profile> service -n <namespace> todo-frontend --url` that prints the NodePort URL.
   */
  appUrl: string;
  namespace: string;
  frontend: ReleaseSummary;
  backend: ReleaseSummary;
  databaseMode: DatabaseMode;
  /** Secret (key DATABASE_URL) in `namespace` holding the backend's connection URL. */
  databaseSecretName: string;
  /**
   * The AI health report of the last deploy that changed an image or a release revision: status
   * decided from cluster facts, the analyzer's explanation, findings (docs/aiops.md). With
   * aiops.analyzer off no health check exists and this is HEALTH_CHECK_OFF (status "off").
   */
  health: HealthOutput;
}

/** The `health` output of a stack whose aiops.analyzer is off: no health check ran, none will. */
export interface HealthCheckOff {
  analyzer: "off";
  status: "off";
  summary: string;
}

/** What `health` holds: a report, or HealthCheckOff. Narrow on `status` ("off") before reading a report's fields. */
export type HealthOutput = HealthReport | HealthCheckOff;

/** The constant `health` of a stack with aiops.analyzer off (so its outputs never change between updates). */
export const HEALTH_CHECK_OFF: HealthCheckOff = {
  analyzer: "off",
  status: "off",
  summary:
    "no health check: aiops.analyzer is off (pulumi config set --path aiops.analyzer none runs the facts-only check)",
};

/** The program's exports: every output an Output of the contract's value. */
export type PlatformStackOutputs = { [K in keyof PlatformOutputs]: pulumi.Output<PlatformOutputs[K]> };

/** appUrl as documented on PlatformOutputs. */
export function appUrl(args: {
  ingressHost?: string;
  minikubeProfile: string;
  namespace: string;
  frontendRelease: string;
}): string {
  if (args.ingressHost) return `http://${args.ingressHost}/`;
  return `minikube -p ${args.minikubeProfile} service -n ${args.namespace} ${args.frontendRelease} --url`;
}
