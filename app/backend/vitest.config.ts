import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "backend",
    environment: "node",
    include: ["test/**/*.test.ts"],
    // Real Postgres and Docker: starting a cluster or building an image takes a while on a busy machine.
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
