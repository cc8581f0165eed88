import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    reporters: ["default", "./test/support/ci-reporter.ts"],
    projects: [
      {
        test: {
          name: "platform",
          environment: "node",
          include: ["{test,components,config,aiops,lib,policy,examples,scripts}/**/*.test.ts"],
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
      "app/*/vitest.config.ts",
    ],
  },
});
