import { defineConfig, mergeConfig } from "vitest/config";
import viteConfig from "./vite.config.ts";

export default mergeConfig(
  viteConfig,
  defineConfig({
    test: {
      name: "frontend",
      // Component tests need a DOM; server tests opt back into node with a file comment.
      environment: "jsdom",
      include: ["src/**/*.test.{ts,tsx}", "server/**/*.test.ts"],
      setupFiles: ["./src/test/setup.ts"],
      testTimeout: 15_000,
    },
  }),
);
