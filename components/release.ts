// TodoRelease: one Todo service as a real Helm release (visible to `helm list`, with history and
// `helm rollback`) of the local chart, with values from the pure releaseValues().
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import { CHART_PATH, chartChecksum } from "./chart";
import type { ChartNetworkPolicy } from "./network-policy";
import {
  type ChartValues,
  defaultReleaseName,
  type PullPolicy,
  releaseValues,
  type SecretRef,
  serviceDns,
  serviceUrl,
  type TodoComponentName,
} from "./release-values";

export interface TodoReleaseArgs {
  /** Namespace of the release (must exist; the program creates one per stack). */
  namespace: pulumi.Input<string>;
  component: TodoComponentName;
  /**
   * Helm release name, also the Service name.
   * @default `todo-<component>`
   */
  releaseName?: string;
  imageRef: pulumi.Input<string>;
  pullPolicy: pulumi.Input<PullPolicy>;
  replicas: pulumi.Input<number>;
  /** Backend: the Secret holding DATABASE_URL. */
  databaseSecret?: pulumi.Input<SecretRef>;
  /**
   * Backend: the key of what its migration hook applies (components/migration-key.ts); upgrades
   * with the key the release already recorded skip the hook.
   * @default none: the hook runs on every upgrade
   */
  migrationKey?: pulumi.Input<string>;
  /** Frontend: the backend's in-cluster URL. */
  backendUrl?: pulumi.Input<string>;
  /** Adds an Ingress for this host. */
  ingressHost?: pulumi.Input<string | undefined>;
  /**
   * The release's NetworkPolicies (components/network-policy.ts appNetworkPolicies).
   * @default none rendered
   */
  networkPolicy?: pulumi.Input<ChartNetworkPolicy>;
  /**
   * Helm timeout in seconds (hooks included); atomic rolls back when it passes.
   * @default 600
   */
  timeoutSeconds?: pulumi.Input<number>;
  /**
   * Revisions Helm keeps for `helm rollback`.
   * @default 10
   */
  maxHistory?: pulumi.Input<number>;
  /**
   * Extra options for the inner Helm Release (e.g. resource hooks that analyse it after a deploy).
   * `parent` is always this component.
   */
  releaseOptions?: Omit<pulumi.CustomResourceOptions, "parent">;
}

export class TodoRelease extends pulumi.ComponentResource {
  readonly release: k8s.helm.v3.Release;
  readonly releaseName: pulumi.Output<string>;
  readonly revision: pulumi.Output<number>;
  readonly status: pulumi.Output<string>;
  readonly imageRef: pulumi.Output<string>;
  /** `<release>.<namespace>.svc.cluster.local` */
  readonly serviceDns: pulumi.Output<string>;
  /** `http://<serviceDns>:80` */
  readonly serviceUrl: pulumi.Output<string>;
  /** The values handed to Helm (never holds a secret: the DB URL stays in its Secret). */
  readonly values: pulumi.Output<ChartValues>;

  constructor(name: string, args: TodoReleaseArgs, opts?: pulumi.ComponentResourceOptions) {
    // releaseOptions holds hooks (functions), which are not component inputs.
    const { releaseOptions: _options, ...inputs } = args;
    super("todo-platform:release:TodoRelease", name, inputs, opts);
    const releaseName = args.releaseName ?? defaultReleaseName(args.component);
    const checksum = chartChecksum();

    this.values = pulumi
      .all([
        args.imageRef,
        args.pullPolicy,
        args.replicas,
        args.databaseSecret,
        args.backendUrl,
        args.ingressHost,
        args.networkPolicy,
        args.migrationKey,
      ])
      .apply(([imageRef, pullPolicy, replicas, databaseSecret, backendUrl, ingressHost, networkPolicy, migrationKey]) =>
        releaseValues({
          component: args.component,
          releaseName,
          imageRef,
          pullPolicy,
          replicas,
          databaseSecret,
          backendUrl,
          ingressHost,
          chartChecksum: checksum,
          networkPolicy,
          migrationKey,
        }),
      );

    this.release = new k8s.helm.v3.Release(
      name,
      {
        name: releaseName,
        chart: CHART_PATH,
        namespace: args.namespace,
        values: this.values,
        atomic: true,
        cleanupOnFail: true,
        timeout: args.timeoutSeconds ?? 600,
        maxHistory: args.maxHistory ?? 10,
        // The hook Job must finish (migrations applied) before the release counts as deployed.
        waitForJobs: true,
        createNamespace: false,
      },
      {
        ...args.releaseOptions,
        dependsOn: mergeDependsOn(opts?.dependsOn, args.releaseOptions?.dependsOn),
        parent: this,
      },
    );

    this.releaseName = this.release.status.apply((status) => status?.name ?? releaseName);
    this.revision = this.release.status.apply((status) => status?.revision ?? 0);
    this.status = this.release.status.apply((status) => status?.status ?? "unknown");
    this.imageRef = pulumi.output(args.imageRef);
    this.serviceDns = pulumi.output(args.namespace).apply((namespace) => serviceDns(releaseName, namespace));
    this.serviceUrl = pulumi.output(args.namespace).apply((namespace) => serviceUrl(releaseName, namespace));

    this.registerOutputs({
      release: this.release,
      releaseName: this.releaseName,
      revision: this.revision,
      status: this.status,
      imageRef: this.imageRef,
      serviceDns: this.serviceDns,
      serviceUrl: this.serviceUrl,
      values: this.values,
    });
  }
}

type DependsOn = pulumi.ResourceOptions["dependsOn"];

/** The component's own dependsOn also orders the inner Release (children do not inherit it). */
function mergeDependsOn(...lists: DependsOn[]): DependsOn {
  const merged = lists.flatMap((list) => (list === undefined ? [] : Array.isArray(list) ? list : [list]));
  return merged.length > 0 ? (merged as pulumi.Input<pulumi.Resource>[]) : undefined;
}
