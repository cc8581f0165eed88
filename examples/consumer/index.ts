// Example consumer of todo-platform (docs/deploy.md, "Reading the outputs from another stack"):
// reads the platform stack's outputs with a StackReference, checks them against the contract
// (outputs.ts), and uses them in its own namespace: a ConfigMap with the endpoints a client needs
// and a Job that calls the backend's /healthz from inside the cluster with the platform's image.
//
// Every resource depends on the StackReference (dependsOn) and takes the checked outputs as inputs,
// so when the platform stack does not exist or breaks the contract the update fails before
// anything is created (not even the Kubernetes provider).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { requirePlatformOutput, verifiedPlatform } from "./platform";
import { backendCheckJobSpec, CONSUMER_DEFAULTS, consumerNamespaceLabels, endpointsData } from "./resources";

const config = new pulumi.Config();
const platformStack = config.require("platformStack");
const consumerNamespace = config.get("namespace") ?? CONSUMER_DEFAULTS.namespace;
const kubeContext = config.get("kubeContext") ?? CONSUMER_DEFAULTS.kubeContext;

const platform = new pulumi.StackReference("platform", { name: platformStack });
const verified = verifiedPlatform(platform, platformStack);
const backend = requirePlatformOutput(platform, "backend");
const appUrl = requirePlatformOutput(platform, "appUrl");

/**
 * `value`, once the whole contract check passed; rejected with the check's error otherwise.
 *
 * How a failed check must fail, so that an inline program (the Automation API,
 * scripts/local-cluster/consumer-stack.ts) fails too instead of waiting forever: a resource whose
 * inputs reject is never registered, and then its outputs (URN included) never settle
 * (@pulumi/pulumi 3.248 runtime/resource.js prepareResource). The language host exits on the
 * unhandled rejection; the inline program server instead waits for the exports and for every
 * registration in flight. So every resource takes the check through its own inputs (which the SDK
 * serializes before it waits for dependsOn URNs or the provider), none takes an input from
 * another consumer resource (ordering is by dependsOn), and each export of a resource's output
 * goes through here.
 */
const afterCheck = <T>(value: pulumi.Input<T>): pulumi.Output<T> =>
  pulumi.all([verified, value]).apply(([, resolved]) => resolved as T);

const afterPlatform = { dependsOn: [platform] };
// Its context waits for the check too: with a broken contract not even the provider is created.
const provider = new k8s.Provider("cluster", { context: afterCheck(kubeContext) }, afterPlatform);

const ns = new k8s.core.v1.Namespace(
  "namespace",
  {
    metadata: {
      name: consumerNamespace,
      labels: consumerNamespaceLabels(),
      annotations: { "todo-platform.dev/platform-stack": verified },
    },
  },
  { ...afterPlatform, provider },
);

/** The namespace's name as an input of what goes in it: known from config, released by the check. */
const inNamespace = afterCheck(consumerNamespace);
const inNs = { dependsOn: [platform, ns], provider };

const endpoints = new k8s.core.v1.ConfigMap(
  "endpoints",
  {
    metadata: { name: "todo-platform-endpoints", namespace: inNamespace, labels: consumerNamespaceLabels() },
    data: pulumi.all([verified, appUrl, backend]).apply(([, url, release]) => endpointsData(url, release)),
  },
  inNs,
);

// Auto-named (backend-check-<suffix>): a changed pod template (e.g. a new backend image) replaces
// the Job, creating the new one before deleting the old; Pulumi waits until it completes.
const backendCheck = new k8s.batch.v1.Job(
  "backend-check",
  {
    metadata: {
      namespace: inNamespace,
      labels: consumerNamespaceLabels(),
      // A Job whose check failed is replaced (run again) on the next update instead of awaited again.
      annotations: { "pulumi.com/replaceUnready": "true" },
    },
    spec: pulumi.all([verified, backend]).apply(([, release]) => backendCheckJobSpec(release)),
  },
  { ...inNs, customTimeouts: { create: "4m", update: "4m" } },
);

// Every export waits for the check too (afterCheck): the update fails on a broken contract
// rather than exporting half of it.
/** Namespace the platform deployed to. */
export const namespace = afterCheck(requirePlatformOutput(platform, "namespace"));
/** In-cluster DNS name of the backend Service. */
export const backendDns = afterCheck(backend.serviceDns);
/** What a client sets as its API base URL. */
export const backendUrl = afterCheck(backend.serviceUrl);
/** The exact backend image deployed, e.g. to pin a job that runs the same build. */
export const backendImage = afterCheck(backend.imageRef);
/** True when the data lives on Neon rather than in the cluster. */
export const usesNeon = afterCheck(requirePlatformOutput(platform, "databaseMode").apply((mode) => mode === "neon"));
/** True when the platform's last AI health check found nothing wrong (false without one: aiops.analyzer off). */
export const platformHealthy = afterCheck(
  requirePlatformOutput(platform, "health").apply((report) => report.status === "healthy"),
);
/** This stack's own namespace, holding the ConfigMap and the Job. */
export const consumerNamespaceName = afterCheck(ns.metadata.name);
/** ConfigMap with appUrl, backendUrl, backendDns and backendImage. */
export const endpointsConfigMap = afterCheck(endpoints.metadata.name);
/** Name of the Job that got 200 from the backend's /healthz inside the cluster. */
export const backendCheckJob = afterCheck(backendCheck.metadata.name);
