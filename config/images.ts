// Config slice for how images reach the cluster (owned by the image component).
import { z } from "zod";

export const IMAGE_LOADERS = ["minikube", "kind", "registry", "none"] as const;
export type ImageLoaderName = (typeof IMAGE_LOADERS)[number];

export const imagesConfigSchema = z
  .object({
    imageLoader: z.enum(IMAGE_LOADERS).default("minikube"),
    minikubeProfile: z.string().min(1).default("minikube"),
    kindCluster: z.string().min(1).default("kind"),
    imageRegistry: z.string().min(1).optional(),
    imageRegistryUsername: z.string().min(1).optional(),
    /** Secret. */
    imageRegistryPassword: z.string().min(1).optional(),
  })
  .superRefine((value, ctx) => {
    if (value.imageLoader === "registry" && !value.imageRegistry) {
      ctx.addIssue({
        code: "custom",
        path: ["imageRegistry"],
        message:
          "imageLoader is 'registry' but imageRegistry is not set; run `pulumi config set imageRegistry registry.example.com/team`",
      });
    }
  });
export type ImagesConfig = z.infer<typeof imagesConfigSchema>;
