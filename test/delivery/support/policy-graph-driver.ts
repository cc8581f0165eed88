// Loads index.ts under the mocks preload (test/deploy/support/program-mocks.ts) and records what
// the engine hands a stack policy besides properties: each resource's URN, parent URN and the URNs
// it depends on. Written to $TODO_POLICY_GRAPH as JSON when the process exits.
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export interface GraphEntry {
  type: string;
  name: string;
  urn: string;
  parent: string;
  dependencies: string[];
}

// biome-ignore lint/suspicious/noExplicitAny: the mock monitor is internal to @pulumi/pulumi
const { MockMonitor } = require("@pulumi/pulumi/runtime/mocks") as { MockMonitor: any };

const graph: GraphEntry[] = [];
const register = MockMonitor.prototype.registerResource;
// biome-ignore lint/suspicious/noExplicitAny: gRPC request/response objects of the mock monitor
MockMonitor.prototype.registerResource = function (req: any, callback: (err: unknown, resp?: any) => void) {
  // biome-ignore lint/suspicious/noExplicitAny: gRPC response object
  return register.call(this, req, (err: unknown, resp?: any) => {
    if (!err && resp) {
      graph.push({
        type: req.getType(),
        name: req.getName(),
        urn: resp.getUrn(),
        parent: req.getParent(),
        dependencies: req.getDependenciesList(),
      });
    }
    callback(err, resp);
  });
};

process.on("exit", () => {
  if (process.env.TODO_POLICY_GRAPH) writeFileSync(process.env.TODO_POLICY_GRAPH, JSON.stringify(graph, null, 2));
});

require(join(__dirname, "..", "..", "..", "index.ts"));
