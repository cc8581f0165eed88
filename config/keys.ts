// One row per config key: what Pulumi.yaml declares, what the README lists and how an error
// tells the user to fix a bad value. test/deploy/config-keys.test.ts keeps the three in step
// with the zod slices.
//
// Pulumi.yaml can declare only the keys that have a default: a declared key without one must be
// set in every stack (pulumi/pulumi#21797), and its default reaches the program as if the stack
// had set it. Keys whose default is undefined here are therefore documented in a comment there.

export type ConfigKeyType = "string" | "integer" | "boolean" | "array" | "object";

export interface ConfigKeyDoc {
  type: ConfigKeyType;
  description: string;
  /** Default shown in docs and Pulumi.yaml; undefined when the key is optional or computed. */
  default?: string | number | boolean | readonly string[];
  /** The type of an array's items, as Pulumi.yaml declares it. */
  items?: { type: "string" };
  secret?: boolean;
  /** The only values accepted, when the key is an enumeration. */
  values?: readonly string[];
  /** A valid example value for the fix command (of an array: one item). */
  example: string;
}

export const CONFIG_KEYS: Record<string, ConfigKeyDoc> = {
  kubeContext: {
    type: "string",
    description: "kubeconfig context the Kubernetes provider deploys to.",
    default: "minikube",
    example: "minikube",
  },
  namespace: {
    type: "string",
    description: "Namespace for the whole stack (DNS label). Default: `todo-<stack>`.",
    example: "todo-dev",
  },
  frontendReplicas: {
    type: "integer",
    description: "Frontend pods; at least 2 unless allowSingleFrontendReplica is true.",
    default: 2,
    example: "2",
  },
  backendReplicas: { type: "integer", description: "Backend pods (1-20).", default: 2, example: "2" },
  allowSingleFrontendReplica: {
    type: "boolean",
    description: "Allow frontendReplicas 1 (small laptops); no PodDisruptionBudget is then created.",
    default: false,
    example: "true",
  },
  databaseUrl: {
    type: "string",
    secret: true,
    description:
      "Neon (or any Postgres) URL, set with --secret. Unset: an in-cluster Postgres is deployed. Neon hosts need sslmode=require.",
    example: "'postgresql://user:password@ep-x-pooler.eu-central-1.aws.neon.tech/todo?sslmode=require'",
  },
  postgresStorageSize: {
    type: "string",
    description: "PersistentVolumeClaim size of the in-cluster Postgres (only without databaseUrl).",
    default: "1Gi",
    example: "1Gi",
  },
  postgresImage: {
    type: "string",
    description:
      "Image of the in-cluster Postgres (only without databaseUrl): the official image, or one that honours its POSTGRES_* variables and PGDATA.",
    default: "postgres:17-bookworm",
    example: "postgres:17-bookworm",
  },
  postgresPassword: {
    type: "string",
    secret: true,
    description:
      "Password of the in-cluster Postgres (only without databaseUrl), set with --secret: 16-128 letters and digits. Unset: a generated one, kept in the stack's state. Set it before the first deploy: Postgres keeps the password its data was created with.",
    example: "Rj7Lw2Qx9Vb4Nt6Kp3Hs",
  },
  ingressHost: {
    type: "string",
    description: "When set, the frontend gets an Ingress for this host (minikube addons enable ingress).",
    example: "todo.local",
  },
  releaseTimeoutSeconds: {
    type: "integer",
    description: "Helm timeout per release, including the migration hook (60-3600).",
    default: 600,
    example: "600",
  },
  releaseMaxHistory: {
    type: "integer",
    description: "Helm revisions kept per release for `helm rollback` (1-100).",
    default: 10,
    example: "10",
  },
  networkPolicies: {
    type: "boolean",
    description:
      "NetworkPolicies for both releases and the in-cluster Postgres (only the app's own traffic passes). false for a cluster whose CNI cannot enforce them; docs/deploy.md.",
    default: true,
    example: "true",
  },
  networkPolicyAllowNamespaces: {
    type: "array",
    items: { type: "string" },
    description:
      "Namespaces whose pods may also reach the backend (e.g. ingress-nginx, monitoring), set item by item with --path.",
    default: [],
    example: "ingress-nginx",
  },
  networkPolicyDatabaseCidr: {
    type: "string",
    description:
      "Addresses the backend and its migration Job may reach the databaseUrl's port on (only with databaseUrl). 0.0.0.0/0: any IPv4 address, on that port only.",
    default: "0.0.0.0/0",
    example: "0.0.0.0/0",
  },
  imageLoader: {
    type: "string",
    description: "How images reach the cluster: minikube, kind, registry or none.",
    default: "minikube",
    values: ["minikube", "kind", "registry", "none"],
    example: "minikube",
  },
  minikubeProfile: {
    type: "string",
    description: "Minikube profile images are loaded into.",
    default: "minikube",
    example: "minikube",
  },
  kindCluster: {
    type: "string",
    description: "kind cluster images are loaded into.",
    default: "kind",
    example: "kind",
  },
  imageRegistry: {
    type: "string",
    description: "Registry prefix for imageLoader registry, e.g. registry.example.com/team.",
    example: "registry.example.com/team",
  },
  imageRegistryUsername: { type: "string", description: "Registry user for imageLoader registry.", example: "ci" },
  imageRegistryPassword: {
    type: "string",
    secret: true,
    description: "Registry password for imageLoader registry, set with --secret.",
    example: "'…'",
  },
  backendImage: {
    type: "string",
    description:
      "Image the backend release runs instead of the one built from app/backend (a known-good or hotfix image in a registry): a tag other than latest or a digest, pulled IfNotPresent. The built image is still built and loaded; docs/images.md.",
    example: "ghcr.io/acme/todo-backend:1.4.2",
  },
  frontendImage: {
    type: "string",
    description:
      "Image the frontend release runs instead of the one built from app/frontend, as backendImage does for the backend.",
    example: "ghcr.io/acme/todo-frontend:1.4.2",
  },
  aiops: {
    type: "object",
    description:
      "AI health analysis settings (analyzer, timeoutSeconds, historySize, failOn, installKagent, llmProvider, llmApiKey, kagentUrl, agent, azureEndpoint, azureDeployment, azureApiVersion), set with --path.",
    example: "kagent",
  },
};

/** The fields of `aiops`, each set with `pulumi config set --path aiops.<field> …`. */
export const AIOPS_FIELDS: Record<string, ConfigKeyDoc> = {
  analyzer: {
    type: "string",
    description:
      "Who explains the deploy's health: kagent, k8sgpt, kubectl-ai or none (cluster facts only); off: no health check at all (no analysis Command, no kagent install, no history entry; the health output has status off).",
    default: "kagent",
    values: ["kagent", "k8sgpt", "kubectl-ai", "none", "off"],
    example: "kagent",
  },
  timeoutSeconds: {
    type: "integer",
    description: "Time limit of one analysis (5-900).",
    default: 120,
    example: "120",
  },
  historySize: {
    type: "integer",
    description: "Health reports kept in the ConfigMap aiops-history of the app namespace (1-500).",
    default: 20,
    example: "20",
  },
  failOn: {
    type: "string",
    description: "unhealthy: an unhealthy report fails `pulumi up`; never: it is only reported.",
    default: "never",
    values: ["never", "unhealthy"],
    example: "never",
  },
  installKagent: {
    type: "boolean",
    description: "Install kagent (two Helm releases from its OCI charts) in namespace kagent.",
    default: false,
    example: "false",
  },
  llmProvider: {
    type: "string",
    description: "Model provider of the installed kagent.",
    default: "openai",
    values: ["openai", "anthropic", "azureopenai", "ollama", "gemini"],
    example: "openai",
  },
  llmApiKey: {
    type: "string",
    secret: true,
    description: "The provider's API key for the installed kagent (not needed for ollama), set with --secret.",
    example: "'…'",
  },
  kagentUrl: {
    type: "string",
    description: "URL of a kagent controller to use instead of a port-forward to the in-cluster one.",
    example: "http://127.0.0.1:8083",
  },
  agent: {
    type: "string",
    description:
      "kagent Agent (its metadata.name) that writes the explanation; with installKagent, one the pinned chart creates (docs/aiops.md lists them).",
    default: "k8s-agent",
    example: "k8s-agent",
  },
  azureEndpoint: {
    type: "string",
    description: "Azure OpenAI endpoint of the installed kagent (llmProvider azureopenai).",
    example: "https://my-resource.openai.azure.com/",
  },
  azureDeployment: {
    type: "string",
    description: "Azure OpenAI deployment the installed kagent calls as its model (llmProvider azureopenai).",
    example: "gpt-4o-mini",
  },
  azureApiVersion: {
    type: "string",
    description:
      "Azure OpenAI API version of the installed kagent (llmProvider azureopenai). Unset: the chart's 2023-05-15.",
    example: "2024-10-21",
  },
};

/** Example values for the fix command of `aiops.<field>`. */
const AIOPS_EXAMPLES: Record<string, string> = Object.fromEntries(
  Object.entries(AIOPS_FIELDS).map(([field, doc]) => [field, doc.example]),
);

/** Keys whose values must never appear in messages or non-secret outputs. */
export const SECRET_KEY_PATHS = new Set([
  "databaseUrl",
  "postgresPassword",
  "imageRegistryPassword",
  "aiops.llmApiKey",
]);

/** The command that sets a key, e.g. `pulumi config set --secret databaseUrl '…'`. */
export function fixCommand(keyPath: string, example?: string): string {
  // The object itself is never set as a string; it is rebuilt field by field.
  if (keyPath === "aiops") return "pulumi config rm aiops && pulumi config set --path aiops.analyzer kagent";
  // A list is set item by item: `pulumi config set --path 'key[0]' value`.
  if (CONFIG_KEYS[keyPath]?.type === "array") {
    return `pulumi config set --path '${keyPath}[0]' ${example ?? CONFIG_KEYS[keyPath]?.example ?? "<value>"}`;
  }
  const isPath = keyPath.includes(".");
  const flags = [SECRET_KEY_PATHS.has(keyPath) ? "--secret" : "", isPath ? "--path" : ""].filter(Boolean).join(" ");
  const aiopsField = keyPath.startsWith("aiops.") ? keyPath.slice("aiops.".length) : undefined;
  // A secret is never typed on a command line (shell history, a pasted placeholder): the CLI prompts.
  if (SECRET_KEY_PATHS.has(keyPath) && example === undefined) return `pulumi config set ${flags} ${keyPath}`;
  const value = example ?? (aiopsField ? AIOPS_EXAMPLES[aiopsField] : CONFIG_KEYS[keyPath]?.example) ?? "<value>";
  return `pulumi config set ${flags ? `${flags} ` : ""}${keyPath} ${value}`;
}
