// The two app images, built from the repo root with each app's Dockerfile and made available to
// the cluster by the configured loader (see README "How images reach the cluster").
import { AppImage } from "../components/image";
import type { ImagesConfig } from "../config/images";

export interface AppImages {
  backend: AppImage;
  frontend: AppImage;
}

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
