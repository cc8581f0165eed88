// Loads index.ts once per config case in one process (under the mocks preload) and records the
// error each load throws and how many resources it registered. Cases come from the JSON file
// $TODO_CONFIG_CASES ([{name, config, secretKeys?}]); results go to $TODO_CONFIG_RESULTS.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";

import { mocksReport } from "./program-mocks";

export interface ConfigCase {
  name: string;
  /** Project keys without prefix → raw string values. */
  config: Record<string, string>;
  secretKeys?: string[];
}
export interface ConfigCaseResult {
  name: string;
  error?: string;
  registered: string[];
}

const PROGRAM = join(__dirname, "..", "..", "..", "index.ts");

async function main(): Promise<void> {
  const cases = JSON.parse(readFileSync(process.env.TODO_CONFIG_CASES ?? "", "utf8")) as ConfigCase[];
  const results: ConfigCaseResult[] = [];
  for (const testCase of cases) {
    const prefixed = Object.fromEntries(Object.entries(testCase.config).map(([k, v]) => [`todo-platform:${k}`, v]));
    pulumi.runtime.setAllConfig(
      prefixed,
      (testCase.secretKeys ?? []).map((key) => `todo-platform:${key}`),
    );
    const before = mocksReport.resources.length;
    let error: string | undefined;
    try {
      delete require.cache[require.resolve(PROGRAM)];
      require(PROGRAM);
    } catch (thrown) {
      error = (thrown as Error).message;
    }
    // Registrations are asynchronous; give any that were started time to reach the mocks.
    await new Promise((resolve) => setTimeout(resolve, 150));
    const registered = mocksReport.resources.slice(before).map((resource) => `${resource.type}::${resource.name}`);
    results.push({ name: testCase.name, error, registered });
  }
  writeFileSync(process.env.TODO_CONFIG_RESULTS ?? "", JSON.stringify(results, null, 2));
}

void main();
