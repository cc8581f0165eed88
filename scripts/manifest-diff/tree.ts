// The releases one source tree (the base branch's or the PR's) would install, computed by that
// tree's own releaseValues() and chart: the diff then shows what the PR changed in the chart
// templates and in the values function, and nothing else.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

import type { ReleaseInput } from "./render";

/** Namespace the preview renders into; any fixed name keeps both sides comparable. */
export const PREVIEW_NAMESPACE = "todo-preview";

/**
 * Fixed stand-ins for what only a deploy knows (image content hashes, Secret versions, the
 * stack's replica counts): identical on both sides, so they never show up as a change. Image tag
 * and stack config changes are in the Pulumi diff of the same comment.
 */
export const PREVIEW_INPUTS = {
  backend: { releaseName: "todo-backend", imageRef: "todo-backend:preview", replicas: 2 },
  frontend: { releaseName: "todo-frontend", imageRef: "todo-frontend:preview", replicas: 2 },
  pullPolicy: "Never",
  databaseSecret: { name: "todo-database", key: "DATABASE_URL" },
  /** components/database.ts POSTGRES_POD_LABELS (kept literal: the tree may be any revision). */
  postgresPodLabels: {
    "app.kubernetes.io/name": "postgres",
    "app.kubernetes.io/component": "database",
    "app.kubernetes.io/part-of": "todo-platform",
    "app.kubernetes.io/managed-by": "pulumi",
  },
} as const;

type ReleaseValuesFn = (input: Record<string, unknown>) => Record<string, unknown>;
type ChartChecksumFn = (dir: string) => string;
type AppNetworkPoliciesFn = (input: Record<string, unknown>) => Record<"backend" | "frontend", unknown>;

async function load<T>(file: string, exportName: string): Promise<T> {
  const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown> & {
    default?: Record<string, unknown>;
  };
  const value = mod[exportName] ?? mod.default?.[exportName];
  if (typeof value !== "function") throw new Error(`${file} does not export a function ${exportName}()`);
  return value as T;
}

/** Where a tree keeps its chart and values function. */
export function treeLayout(root: string) {
  return {
    chartDir: join(root, "charts", "todo-service"),
    releaseValuesFile: join(root, "components", "release-values.ts"),
    chartFile: join(root, "components", "chart.ts"),
    networkPolicyFile: join(root, "components", "network-policy.ts"),
  };
}

/**
 * The backend and frontend releases of the tree at `root`; none when the tree has no chart yet
 * (a PR that adds it shows every object as added).
 */
export async function releasesOfTree(root: string): Promise<ReleaseInput[]> {
  const layout = treeLayout(root);
  if (!existsSync(layout.chartDir) || !existsSync(layout.releaseValuesFile)) return [];
  const releaseValues = await load<ReleaseValuesFn>(layout.releaseValuesFile, "releaseValues");
  const chartChecksum = existsSync(layout.chartFile)
    ? await load<ChartChecksumFn>(layout.chartFile, "chartChecksum")
    : () => "";
  const checksum = chartChecksum(layout.chartDir);
  // The policies the program's default config gives (in-cluster Postgres, no extra namespace); a
  // tree without network-policy.ts renders none.
  const networkPolicy = existsSync(layout.networkPolicyFile)
    ? (await load<AppNetworkPoliciesFn>(layout.networkPolicyFile, "appNetworkPolicies"))({
        enabled: true,
        releaseNames: { backend: PREVIEW_INPUTS.backend.releaseName, frontend: PREVIEW_INPUTS.frontend.releaseName },
        backendPort: 8080,
        allowNamespaces: [],
        database: { mode: "in-cluster", podLabels: PREVIEW_INPUTS.postgresPodLabels, port: 5432 },
      })
    : undefined;
  const { backend, frontend, pullPolicy, databaseSecret } = PREVIEW_INPUTS;
  const backendValues = releaseValues({
    component: "backend",
    ...backend,
    pullPolicy,
    databaseSecret,
    chartChecksum: checksum,
    networkPolicy: networkPolicy?.backend,
  });
  const frontendValues = releaseValues({
    component: "frontend",
    ...frontend,
    pullPolicy,
    backendUrl: `http://${backend.releaseName}.${PREVIEW_NAMESPACE}.svc.cluster.local:80`,
    chartChecksum: checksum,
    networkPolicy: networkPolicy?.frontend,
  });
  return [
    { name: backend.releaseName, namespace: PREVIEW_NAMESPACE, chartDir: layout.chartDir, values: backendValues },
    { name: frontend.releaseName, namespace: PREVIEW_NAMESPACE, chartDir: layout.chartDir, values: frontendValues },
  ];
}
