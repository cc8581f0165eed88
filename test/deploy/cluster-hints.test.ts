// The warning when images and releases would go to different clusters (pure config logic).
import { describe, expect, it } from "vitest";

import { clusterMismatchHints, parsePlatformConfig } from "../../config";
import { imagesConfigSchema } from "../../config/images";

const images = (input: Record<string, unknown>) => imagesConfigSchema.parse(input);

describe("clusterMismatchHints", () => {
  it("says nothing when kubeContext names the loader's cluster", () => {
    expect(clusterMismatchHints("minikube", images({}))).toEqual([]);
    expect(clusterMismatchHints("dev", images({ minikubeProfile: "dev" }))).toEqual([]);
    expect(clusterMismatchHints("kind-kind", images({ imageLoader: "kind" }))).toEqual([]);
    expect(clusterMismatchHints("anything", images({ imageLoader: "none" }))).toEqual([]);
  });

  it("names both settings and the fix when Minikube's profile and kubeContext differ", () => {
    const [hint] = clusterMismatchHints("minikube", images({ minikubeProfile: "dev" }));
    expect(hint).toContain('kubeContext is "minikube"');
    expect(hint).toContain("minikubeProfile");
    expect(hint).toContain("pulumi config set kubeContext dev");
  });

  it("expects kind's kind-<cluster> context", () => {
    const [hint] = clusterMismatchHints("kind", images({ imageLoader: "kind", kindCluster: "kind" }));
    expect(hint).toContain("pulumi config set kubeContext kind-kind");
  });

  it("reaches the program's warnings through parsePlatformConfig", () => {
    const parsed = parsePlatformConfig({ minikubeProfile: "dev" }, { project: "todo-platform", stack: "dev" });
    expect(parsed.hints.some((hint) => hint.includes("ErrImageNeverPull"))).toBe(true);
  });
});
