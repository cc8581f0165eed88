// Splits rendered manifests into Kubernetes objects keyed by identity, so a diff reads per object
// ("Deployment todo/backend changed") rather than as one long text diff.
import { parseAllDocuments, stringify } from "yaml";

export interface KubernetesObject {
  /** `Kind namespace/name`, or `Kind name` for cluster-scoped objects. */
  key: string;
  /** The object as canonical YAML: keys sorted, comments (`# Source:`) dropped. */
  yaml: string;
}

interface ObjectShape {
  kind?: unknown;
  metadata?: { name?: unknown; namespace?: unknown };
}

/** Parses a multi-document manifest; `defaultNamespace` stands in where metadata has none. */
export function parseObjects(manifest: string, defaultNamespace?: string): Map<string, KubernetesObject> {
  const objects = new Map<string, KubernetesObject>();
  for (const document of parseAllDocuments(manifest)) {
    if (document.errors.length > 0)
      throw new Error(`invalid YAML in rendered manifest: ${document.errors[0]?.message}`);
    const value = document.toJS() as ObjectShape | null;
    if (!value || typeof value !== "object") continue;
    const kind = String(value.kind ?? "Unknown");
    const name = String(value.metadata?.name ?? "(unnamed)");
    const namespace = value.metadata?.namespace ?? defaultNamespace;
    const key = namespace ? `${kind} ${namespace}/${name}` : `${kind} ${name}`;
    if (objects.has(key)) throw new Error(`rendered manifest holds ${key} twice`);
    objects.set(key, { key, yaml: stringify(value, { sortMapEntries: true, lineWidth: 0 }) });
  }
  return objects;
}
