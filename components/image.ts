// AppImage: builds one app image under a content-addressed tag and makes it available to the
// cluster through the configured loader. First version: public shape only; the insides follow.
import * as pulumi from "@pulumi/pulumi";

import type { ImagesConfig } from "../config/images";

export interface AppImageArgs {
  /** Image repository name without tag, e.g. "todo-backend". */
  imageName: string;
  /** Absolute path of the build context (the repo root for both app images). */
  context: string;
  /** Dockerfile path relative to the context, e.g. "app/backend/Dockerfile". */
  dockerfile: string;
  /** Build arguments; they count in the content hash. */
  buildArgs?: Record<string, string>;
  /** How the image reaches the cluster: the validated config slice (config/images.ts). */
  loader: ImagesConfig;
}

export class AppImage extends pulumi.ComponentResource {
  /** The exact reference the chart must use (tag, or digest for the registry loader). */
  readonly imageRef: pulumi.Output<string>;
  /** Pull policy matching the loader: never one that makes the kubelet pull a local-only image. */
  readonly pullPolicy: pulumi.Output<"Never" | "IfNotPresent" | "Always">;
  /** `<imageName>:<content hash>` */
  readonly tag: pulumi.Output<string>;

  constructor(name: string, args: AppImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("todo-platform:image:AppImage", name, args, opts);
    // Placeholder until the content hash lands; the shape above is the contract.
    this.tag = pulumi.output(`${args.imageName}:000000000000`);
    this.imageRef = this.tag;
    this.pullPolicy = pulumi.output(args.loader.imageLoader === "registry" ? "IfNotPresent" : "Never") as pulumi.Output<
      "Never" | "IfNotPresent" | "Always"
    >;
    this.registerOutputs({ imageRef: this.imageRef, pullPolicy: this.pullPolicy, tag: this.tag });
  }
}
