// Config slice for how images reach the cluster (owned by the image component). Flat project keys:
// `pulumi config set imageLoader kind`, `pulumi config set --secret imageRegistryPassword …`.
import { z } from "zod";

import { IMAGE_REFERENCE } from "./deploy";

export const IMAGE_LOADERS = ["minikube", "kind", "registry", "none"] as const;
export type ImageLoaderName = (typeof IMAGE_LOADERS)[number];

// Names minikube and kind accept for a profile / cluster (they become container and context names).
const CLUSTER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
// `<host>[:port][/path…]`, no scheme, no tag: the prefix the image name is appended to. It must be
// reachable from the buildx builder that pushes and from the nodes that pull: `localhost:5000`
// parses, but the `docker-container` builder docker-build creates has its own localhost
// (docker/buildx#94), so it is no example here (docs/images.md, "Registry").
const REGISTRY_PREFIX = /^[a-z0-9]+(?:[.-][a-z0-9]+)*(?::\d{1,5})?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

/**
 * Why `ref` cannot replace a release's image, or undefined: it must be an image reference, pinned
 * to a tag other than `latest` or to a digest (as the images-pinned policy requires of every
 * deployed image), since the pods pull it with IfNotPresent. Pure.
 */
export function imageOverrideProblem(ref: string, component: "backend" | "frontend"): string | undefined {
  const example = `ghcr.io/acme/todo-${component}:1.4.2`;
  if (!IMAGE_REFERENCE.test(ref)) {
    return `must be a full image reference ([registry/]repository:tag or …@sha256:<digest>, lowercase repository), e.g. ${example}`;
  }
  if (/@sha256:[0-9a-f]{64}$/.test(ref)) return undefined;
  const tag = /:([^/:]+)$/.exec(ref)?.[1];
  if (tag === undefined)
    return `has no tag, so it means \`latest\`, which moves; pin a tag or a digest, e.g. ${example}`;
  if (tag.toLowerCase() === "latest") return `uses the moving \`latest\` tag; pin a tag or a digest, e.g. ${example}`;
  return undefined;
}

/** A release's image override: unset (the release runs its AppImage) or a pinned reference. */
const imageOverride = (component: "backend" | "frontend") =>
  z
    .string()
    .superRefine((ref, ctx) => {
      const problem = imageOverrideProblem(ref, component);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .optional();

export const imagesConfigSchema = z
  .object({
    imageLoader: z.enum(IMAGE_LOADERS).default("minikube"),
    minikubeProfile: z
      .string()
      .regex(CLUSTER_NAME, "must be a minikube profile name (letters, digits, . _ -), e.g. minikube")
      .default("minikube"),
    kindCluster: z
      .string()
      .regex(CLUSTER_NAME, "must be a kind cluster name (letters, digits, . _ -), e.g. kind")
      .default("kind"),
    imageRegistry: z
      .string()
      .regex(
        REGISTRY_PREFIX,
        "must be a lowercase registry prefix without scheme or tag, e.g. registry.example.com/team or ghcr.io/acme",
      )
      .optional(),
    imageRegistryUsername: z.string().min(1).optional(),
    /** Secret. */
    imageRegistryPassword: z.string().min(1).optional(),
    /**
     * The image the backend release runs instead of its AppImage (a known-good or hotfix image from
     * a registry), pulled with IfNotPresent. The AppImage is still built and loaded.
     */
    backendImage: imageOverride("backend"),
    /** Same for the frontend release. */
    frontendImage: imageOverride("frontend"),
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
    if (value.imageRegistryUsername && !value.imageRegistryPassword) {
      ctx.addIssue({
        code: "custom",
        path: ["imageRegistryPassword"],
        message:
          "imageRegistryUsername is set without a password; run `pulumi config set --secret imageRegistryPassword <token>`",
      });
    }
    if (value.imageRegistryPassword && !value.imageRegistryUsername) {
      ctx.addIssue({
        code: "custom",
        path: ["imageRegistryUsername"],
        message: "imageRegistryPassword is set without a user; run `pulumi config set imageRegistryUsername <user>`",
      });
    }
  });
export type ImagesConfig = z.infer<typeof imagesConfigSchema>;
