// The stack's namespace, labelled so the API server enforces Pod Security "restricted" on every
// pod in it (the charts and the in-cluster Postgres are written to pass it).
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";

/** Labels of the stack namespace: Pod Security "restricted" enforced, audited and warned. */
export function namespaceLabels(): Record<string, string> {
  return {
    "pod-security.kubernetes.io/enforce": "restricted",
    "pod-security.kubernetes.io/audit": "restricted",
    "pod-security.kubernetes.io/warn": "restricted",
    "app.kubernetes.io/part-of": "todo-platform",
    "app.kubernetes.io/managed-by": "pulumi",
  };
}

/** Creates the namespace with its exact name (no auto-naming suffix: release DNS names depend on it). */
export function createStackNamespace(name: string, opts: pulumi.CustomResourceOptions): k8s.core.v1.Namespace {
  return new k8s.core.v1.Namespace("namespace", { metadata: { name, labels: namespaceLabels() } }, opts);
}
