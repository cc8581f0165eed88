// config/images.ts: the registry prefix rule and the examples its messages offer. The examples
// must be registries a buildx `docker-container` builder can push to, so never `localhost:5000`
// (that builder's localhost is its own container, docker/buildx#94; docs/images.md "Registry").
import { describe, expect, it } from "vitest";

import { imagesConfigSchema } from "../../config/images";

function issues(input: Record<string, unknown>): string[] {
  const result = imagesConfigSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((issue) => issue.message);
}

describe("imageRegistry", () => {
  it("a malformed prefix is refused with examples that are themselves valid and not on localhost", () => {
    const [message] = issues({ imageLoader: "registry", imageRegistry: "https://Registry.Example.com/team:1" });
    expect(message).toMatch(/^must be a lowercase registry prefix without scheme or tag, e\.g\. /);
    const examples = (message ?? "").replace(/^.*e\.g\. /, "").split(" or ");
    expect(examples).toEqual(["registry.example.com/team", "ghcr.io/acme"]);
    for (const example of examples) {
      expect(example).not.toMatch(/^(localhost|127\.0\.0\.1)(:|\/|$)/);
      expect(issues({ imageLoader: "registry", imageRegistry: example })).toEqual([]);
    }
  });

  it("still accepts a localhost registry (it works through a builder on the host network)", () => {
    expect(issues({ imageLoader: "registry", imageRegistry: "localhost:5000" })).toEqual([]);
  });

  it("the missing-registry message names a registry reachable from the builder", () => {
    expect(issues({ imageLoader: "registry" })).toEqual([
      "imageLoader is 'registry' but imageRegistry is not set; run `pulumi config set imageRegistry registry.example.com/team`",
    ]);
  });
});
