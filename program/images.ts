// The two app images, built from the repo root with each app's Dockerfile and made available to
// the cluster by the configured loader (see README "How images reach the cluster"), and the image
// each release runs: its AppImage, or the one config backendImage / frontendImage names.
import * as pulumi from "@pulumi/pulumi";

import { AppImage, type PullPolicy } from "../components/image";
import type { ImagesConfig } from "../config/images";

export interface AppImages {
  backend: AppImage;
  frontend: AppImage;
}

/** Where a release's pods get their image. */
export type ReleaseImage = Pick<AppImage, "imageRef" | "pullPolicy">;

export function buildAppImages(repoRoot: string, loader: ImagesConfig): AppImages {
  const image = (component: keyof AppImages) =>
    new AppImage(component, {
      imageName: `todo-${component}`,
      context: repoRoot,
      dockerfile: `app/${component}/Dockerfile`,
      loader,
    });
  return { backend: image("backend"), frontend: image("frontend") };
}

/**
 * The image each release runs: the AppImage, unless backendImage / frontendImage names another
 * (validated as pinned by config/images.ts), which the pods pull with IfNotPresent. The AppImages
 * stay built and loaded either way, so removing the key rolls the release back to the built image
 * without a build (docs/images.md, "Running another image").
 */
export function releaseImages(
  images: AppImages,
  cfg: Pick<ImagesConfig, "backendImage" | "frontendImage">,
): Record<keyof AppImages, ReleaseImage> {
  const pick = (built: AppImage, override: string | undefined): ReleaseImage =>
    override === undefined
      ? built
      : { imageRef: pulumi.output(override), pullPolicy: pulumi.output<PullPolicy>("IfNotPresent") };
  return { backend: pick(images.backend, cfg.backendImage), frontend: pick(images.frontend, cfg.frontendImage) };
}
