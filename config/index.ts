// The whole program's configuration: reads the project's keys, validates every slice with zod
// before any resource exists, and fails with one message naming each bad key, the value (never a
// secret's) and the command that fixes it.
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";

import { type AiopsConfig, aiopsConfigSchema } from "./aiops";
import { checkDatabaseUrl } from "./database-url";
import { type DeployConfig, deployConfigSchema } from "./deploy";
import { type ImagesConfig, imagesConfigSchema } from "./images";
import { CONFIG_KEYS, fixCommand, SECRET_KEY_PATHS } from "./keys";

/** Validated configuration. Secret values are plaintext here only until the program wraps them. */
export interface PlatformConfig {
  project: string;
  stack: string;
  deploy: DeployConfig;
  images: ImagesConfig;
  aiops: AiopsConfig;
  /** Non-blocking advice to print with pulumi.log.warn (e.g. use Neon's pooled host). */
  hints: string[];
}

/** Raw project config as Pulumi hands it over: key without the `<project>:` prefix → string. */
export type RawConfig = Record<string, string | undefined>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `Invalid stack configuration (nothing was deployed):\n${problems.map((problem) => `  - ${problem}`).join("\n")}`,
    );
    this.name = "ConfigError";
  }
}

const FLAT_SLICES = [deployConfigSchema, imagesConfigSchema] as const;
const FLAT_KEYS = new Set(FLAT_SLICES.flatMap((schema) => Object.keys(schema.shape)));
const OBJECT_KEYS = new Set(["aiops"]);

/** The zod type under `.default()`/`.optional()` wrappers, to turn config strings into numbers/booleans. */
function baseType(schema: z.ZodType): string {
  // biome-ignore lint/suspicious/noExplicitAny: zod's internal def is the only place the wrapped type is exposed
  let def = (schema as any)._zod.def;
  while (def.type === "default" || def.type === "optional") def = def.innerType._zod.def;
  return def.type;
}

function coerce(schema: z.ZodType, raw: string): unknown {
  const type = baseType(schema);
  if (type === "number" && /^-?\d+(\.\d+)?$/.test(raw.trim())) return Number(raw);
  if (type === "boolean" && (raw === "true" || raw === "false")) return raw === "true";
  // The CLI hands a list over as JSON text; anything else stays a string for zod to refuse.
  if (type === "array" && raw.trim().startsWith("[")) {
    try {
      return JSON.parse(raw);
    } catch {
      return raw;
    }
  }
  return raw;
}

function shown(keyPath: string, value: unknown): string {
  if (value === undefined) return "nothing (not set)";
  if (SECRET_KEY_PATHS.has(keyPath)) return "a secret value (not shown)";
  if (value && typeof value === "object" && !Array.isArray(value)) {
    // A whole object (aiops) may hold secret fields: show their names, never their values.
    const redacted = Object.fromEntries(
      Object.entries(value).map(([field, fieldValue]) => [
        field,
        SECRET_KEY_PATHS.has(`${keyPath}.${field}`) ? "(secret)" : fieldValue,
      ]),
    );
    return JSON.stringify(redacted);
  }
  return JSON.stringify(value);
}

function describe(keyPath: string, value: unknown, message: string): string {
  const fix = message.includes("`pulumi config") ? "" : `; run \`${fixCommand(keyPath)}\``;
  return `${keyPath}: got ${shown(keyPath, value)}: ${message}${fix}`;
}

function closest(unknown: string): string | undefined {
  const lower = unknown.toLowerCase();
  return [...FLAT_KEYS, ...OBJECT_KEYS].find(
    (key) => key.toLowerCase().startsWith(lower.slice(0, 5)) || lower.startsWith(key.toLowerCase()),
  );
}

/** Validates raw project config for a stack; throws ConfigError listing every problem. Pure. */
export function parsePlatformConfig(raw: RawConfig, context: { project: string; stack: string }): PlatformConfig {
  const problems: string[] = [];
  for (const key of Object.keys(raw)) {
    if (FLAT_KEYS.has(key) || OBJECT_KEYS.has(key) || raw[key] === undefined) continue;
    const guess = closest(key);
    problems.push(
      `${key}: unknown config key${guess ? ` (did you mean ${guess}?)` : ""}; run \`pulumi config rm ${key}\` (known keys: ${Object.keys(CONFIG_KEYS).join(", ")})`,
    );
  }

  const flatResults = FLAT_SLICES.map((schema) => {
    const input: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(schema.shape) as [string, z.ZodType][]) {
      const value = raw[key];
      if (value !== undefined) input[key] = coerce(field, value);
    }
    if (schema === deployConfigSchema && input.namespace === undefined) input.namespace = `todo-${context.stack}`;
    const result = schema.safeParse(input);
    if (!result.success) {
      for (const issue of result.error.issues) {
        const key = String(issue.path[0] ?? "config");
        // A list's item: show the parsed list and say which item.
        const index = issue.path[1];
        const value = Array.isArray(input[key]) ? input[key] : (raw[key] ?? input[key]);
        if (typeof index !== "number") {
          problems.push(describe(key, value, issue.message));
          continue;
        }
        // A list's item: say which, and fix that item.
        const fix = issue.message.includes("`pulumi config")
          ? ""
          : `; run \`pulumi config set --path '${key}[${index}]' ${CONFIG_KEYS[key]?.example ?? "<value>"}\``;
        problems.push(describe(key, value, `item ${index}: ${issue.message}${fix}`));
      }
    }
    return result;
  });

  let aiopsInput: unknown = {};
  if (raw.aiops !== undefined) {
    try {
      aiopsInput = JSON.parse(raw.aiops);
    } catch {
      problems.push(describe("aiops", raw.aiops, "is not an object; set its fields with --path"));
    }
  }
  const aiops = aiopsConfigSchema.safeParse(aiopsInput ?? {});
  if (!aiops.success) {
    for (const issue of aiops.error.issues) {
      const field = issue.path.length > 0 ? issue.path.join(".") : undefined;
      const keyPath = field ? `aiops.${field}` : "aiops";
      const value =
        field && typeof aiopsInput === "object" && aiopsInput
          ? (aiopsInput as Record<string, unknown>)[field]
          : aiopsInput;
      if (issue.code === "unrecognized_keys") {
        const fixes = issue.keys.map((key) => `\`pulumi config rm --path aiops.${key}\``).join(", ");
        problems.push(`${keyPath}: unknown field(s) ${issue.keys.join(", ")}; run ${fixes}`);
        continue;
      }
      problems.push(describe(keyPath, value, issue.message));
    }
  }

  const [deploy, images] = flatResults;
  if (problems.length > 0 || !deploy?.success || !images?.success || !aiops.success) throw new ConfigError(problems);
  const deployConfig = deploy.data as DeployConfig;
  const imagesConfig = images.data as ImagesConfig;
  const hints = [
    ...(deployConfig.databaseUrl ? checkDatabaseUrl(deployConfig.databaseUrl).hints : []),
    ...clusterMismatchHints(deployConfig.kubeContext, imagesConfig),
  ];
  return {
    project: context.project,
    stack: context.stack,
    deploy: deployConfig,
    images: imagesConfig,
    aiops: aiops.data,
    hints,
  };
}

/**
 * Images go to the loader's cluster and releases to kubeContext; when their names disagree the pods
 * would look for images on another cluster (ErrImageNeverPull). A hint, not an error: a kubeconfig
 * context may be renamed on purpose. Pure.
 */
export function clusterMismatchHints(kubeContext: string, images: ImagesConfig): string[] {
  const expected =
    images.imageLoader === "minikube"
      ? { context: images.minikubeProfile, key: "minikubeProfile" }
      : images.imageLoader === "kind"
        ? { context: `kind-${images.kindCluster}`, key: "kindCluster" }
        : undefined;
  if (!expected || expected.context === kubeContext) return [];
  return [
    `kubeContext is "${kubeContext}" but images are loaded into the cluster of ${expected.key} (context "${expected.context}"): if they are not the same cluster, pods fail with ErrImageNeverPull; run \`pulumi config set kubeContext ${expected.context}\` or set ${expected.key} to match`,
  ];
}

/** Reads this project's config from the Pulumi runtime and validates it (see parsePlatformConfig). */
export function loadPlatformConfig(): PlatformConfig {
  const project = pulumi.getProject();
  const prefix = `${project}:`;
  const raw: RawConfig = {};
  for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
    if (key.startsWith(prefix)) raw[key.slice(prefix.length)] = value;
  }
  try {
    return parsePlatformConfig(raw, { project, stack: pulumi.getStack() });
  } catch (error) {
    // RunError makes Pulumi print the message alone, without a stack trace.
    if (error instanceof ConfigError) throw new pulumi.RunError(error.message);
    throw error;
  }
}
