// Example consumer of todo-platform (docs/deploy.md, "Reading the outputs from another stack"):
// reads the platform stack's outputs with a StackReference and exports what a workload that calls
// the backend needs.
import * as pulumi from "@pulumi/pulumi";

import { requirePlatformOutput } from "./platform";

const config = new pulumi.Config();
const platform = new pulumi.StackReference("platform", { name: config.require("platformStack") });

const backend = requirePlatformOutput(platform, "backend");

/** Namespace the platform deployed to: a client of the backend runs there too. */
export const namespace = requirePlatformOutput(platform, "namespace");
/** In-cluster DNS name of the backend Service. */
export const backendDns = backend.serviceDns;
/** What a client sets as its API base URL. */
export const backendUrl = backend.serviceUrl;
/** The exact backend image deployed, e.g. to pin a job that runs the same build. */
export const backendImage = backend.imageRef;
/** True when the data lives on Neon rather than in the cluster. */
export const usesNeon = requirePlatformOutput(platform, "databaseMode").apply((mode) => mode === "neon");
/** True when the platform's last AI health check found nothing wrong (false without one: aiops.analyzer off). */
export const platformHealthy = requirePlatformOutput(platform, "health").apply((report) => report.status === "healthy");
