// Ends every run with the plain closing line `tests: N passed, N failed, N skipped` and, under
// CI=true, fails the run when any test was skipped or marked todo: a Docker-, browser- or
// Postgres-backed test that could not run must never leave CI green.
import type { Reporter, TestModule } from "vitest/node";

export default class CiReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const counts = { passed: 0, failed: 0, skipped: 0, pending: 0 };
    const skipped: string[] = [];
    for (const testModule of testModules) {
      for (const test of testModule.children.allTests()) {
        const state = test.result().state;
        counts[state] += 1;
        if (state === "skipped") skipped.push(`${testModule.moduleId} > ${test.fullName}`);
      }
    }
    console.log(`\ntests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
    if (process.env.CI === "true" && skipped.length > 0) {
      console.error(`CI=true: ${skipped.length} test(s) were skipped, which CI does not allow:`);
      for (const name of skipped) console.error(`  - ${name}`);
      process.exitCode = 1;
    }
  }
}
