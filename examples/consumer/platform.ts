// Typed access to todo-platform's stack outputs: the contract type (outputs.ts) over requireOutput,
// and a runtime check that what the stack returned really has that shape. The check is a zod
// schema typed against PlatformOutputs, so the type checker keeps it in step with outputs.ts; it
// loads nothing of the platform at runtime (the consumer is a project of its own).
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import type { HealthStatus } from "../../aiops/types";
import type { DatabaseMode } from "../../components/database";
import type { AnalyzerName } from "../../config/aiops";
import type { PlatformOutputs } from "../../outputs";

export type { PlatformOutputs };

/** Every key of the contract, in outputs.ts's order. */
export const PLATFORM_OUTPUT_KEYS = [
  "appUrl",
  "namespace",
  "frontend",
  "backend",
  "databaseMode",
  "databaseSecretName",
  "health",
] as const satisfies readonly (keyof PlatformOutputs)[];

// Literal lists checked both ways against the platform's types: a name added there fails here.
const ANALYZER_NAMES = ["kagent", "k8sgpt", "kubectl-ai", "none"] as const satisfies readonly AnalyzerName[];
const HEALTH_STATUSES = ["healthy", "degraded", "unhealthy", "unavailable"] as const satisfies readonly HealthStatus[];
const DATABASE_MODES = ["neon", "in-cluster"] as const satisfies readonly DatabaseMode[];
type Missing<All, Listed> = [Exclude<All, Listed>] extends [never] ? true : Exclude<All, Listed>;
const everyName: [
  Missing<AnalyzerName, (typeof ANALYZER_NAMES)[number]>,
  Missing<HealthStatus, (typeof HEALTH_STATUSES)[number]>,
  Missing<DatabaseMode, (typeof DATABASE_MODES)[number]>,
  Missing<keyof PlatformOutputs, (typeof PLATFORM_OUTPUT_KEYS)[number]>,
] = [true, true, true, true];
void everyName;

const text = z.string({ error: "expected a string" });
const nonEmpty = text.min(1, { error: "expected a non-empty string" });

const release = z
  .object({
    releaseName: nonEmpty,
    revision: z.number({ error: "expected a number" }).int({ error: "expected an integer" }).positive({
      error: "expected a Helm revision (1 or more)",
    }),
    status: nonEmpty,
    imageRef: nonEmpty,
    serviceDns: nonEmpty,
    serviceUrl: z.string({ error: "expected a string http://<serviceDns>:80" }),
  })
  .superRefine((value, ctx) => {
    const expected = `http://${value.serviceDns}:80`;
    if (value.serviceUrl !== expected) {
      ctx.addIssue({ code: "custom", path: ["serviceUrl"], message: `expected ${expected} (http://<serviceDns>:80)` });
    }
  });

const finding = z.object({
  severity: z.enum(["critical", "warning"], { error: 'expected "critical" or "warning"' }),
  object: text,
  container: text.optional(),
  reason: text,
  message: text,
  logTail: text.optional(),
});

const healthOff = z.object({
  analyzer: z.literal("off", { error: 'expected "off" (with status "off")' }),
  status: z.literal("off"),
  summary: text,
});

const healthReport = z.object({
  analyzer: z.enum(ANALYZER_NAMES, { error: `expected one of ${ANALYZER_NAMES.join(", ")}` }),
  status: z.enum(HEALTH_STATUSES),
  summary: text,
  findings: z.array(finding, { error: "expected an array of findings" }),
  analyzedAt: text,
  revisions: z.record(z.string(), z.number({ error: "expected a Helm revision (a number)" }), {
    error: "expected an object release → revision",
  }),
  explanation: text.optional(),
  analyzerProblem: text.optional(),
  analyzerWarning: text.optional(),
});

const health = z.discriminatedUnion("status", [healthOff, healthReport], {
  error: `expected a health report (status ${HEALTH_STATUSES.join(", ")}) or HEALTH_CHECK_OFF (status "off")`,
});

/** One schema per output; typed so that each accepts exactly what the contract declares. */
const OUTPUT_SCHEMAS: { [K in keyof PlatformOutputs]: z.ZodType<PlatformOutputs[K]> } = {
  appUrl: nonEmpty,
  namespace: nonEmpty,
  frontend: release,
  backend: release,
  databaseMode: z.enum(DATABASE_MODES, { error: `expected ${DATABASE_MODES.map((m) => `"${m}"`).join(" or ")}` }),
  databaseSecretName: nonEmpty,
  health,
};

/** A value as a problem quotes it: JSON, cut short; `missing` for undefined; `[secret]` for a secret output's. */
function shown(value: unknown, secret = false): string {
  if (value === undefined) return "missing";
  if (secret) return "[secret]";
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/**
 * What is wrong with the value of one output, each problem naming the key and path, e.g.
 * `backend.serviceUrl is 42, expected a string http://<serviceDns>:80`. Empty when it holds.
 */
export function outputProblems<K extends keyof PlatformOutputs>(key: K, value: unknown, secret = false): string[] {
  const result = OUTPUT_SCHEMAS[key].safeParse(value);
  if (result.success) return [];
  return result.error.issues.map((issue) => {
    const path = [key, ...issue.path].join(".");
    return `${path} is ${shown(valueAt(value, issue.path), secret)}, ${issue.message}`;
  });
}

/**
 * Whether `value` (a stack's outputs) honours the contract of outputs.ts: every output present
 * with its declared shape, and the releases' DNS names in the stack's namespace. One line per
 * problem, naming the output key; empty when the contract holds. Outputs beyond the contract are
 * allowed (a newer platform may add some). The values of `secretKeys` are never quoted.
 */
export function contractProblems(value: unknown, secretKeys: ReadonlySet<string> = new Set()): string[] {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return [`the outputs are ${shown(value)}, expected an object with ${PLATFORM_OUTPUT_KEYS.join(", ")}`];
  }
  const outputs = value as Record<string, unknown>;
  const problems = PLATFORM_OUTPUT_KEYS.flatMap((key) => outputProblems(key, outputs[key], secretKeys.has(key)));
  if (problems.length > 0) return problems;
  const platform = outputs as unknown as PlatformOutputs;
  for (const key of ["frontend", "backend"] as const) {
    const expected = `${platform[key].releaseName}.${platform.namespace}.svc.cluster.local`;
    if (platform[key].serviceDns !== expected) {
      problems.push(
        `${key}.serviceDns is ${shown(platform[key].serviceDns, secretKeys.has(key))}, expected ${expected} (<releaseName>.<namespace>.svc.cluster.local)`,
      );
    }
  }
  return problems;
}

/** The error an update fails with when the platform's outputs break the contract. */
export function contractError(stack: string, problems: readonly string[]): Error {
  return new Error(`stack ${stack} breaks the todo-platform output contract (outputs.ts): ${problems.join("; ")}`);
}

/**
 * One output of the platform stack, typed by the contract (not checked: take it through the
 * check, verifiedPlatform, before use). requireOutput fails the update when the stack has no such
 * output (e.g. before its first `pulumi up`) instead of yielding undefined, and keeps a secret
 * output secret (only this output: the others keep their own secretness).
 */
export function requirePlatformOutput<K extends keyof PlatformOutputs>(
  platform: pulumi.StackReference,
  name: K,
): pulumi.Output<PlatformOutputs[K]> {
  return platform.requireOutput(name) as pulumi.Output<PlatformOutputs[K]>;
}

/**
 * The whole contract, checked (contractProblems) on what the stack returned: resolves to `stack`
 * once every output holds, rejects with contractError otherwise (and with the engine's error when
 * the stack does not exist). Never secret: it carries only the stack's name, and its error quotes
 * no value of a secret output, so a resource or an export can wait for it without turning secret.
 */
export function verifiedPlatform(platform: pulumi.StackReference, stack: string): pulumi.Output<string> {
  const read = Promise.all(PLATFORM_OUTPUT_KEYS.map((key) => platform.getOutputDetails(key))).then((details) => {
    const secretKeys = new Set(PLATFORM_OUTPUT_KEYS.filter((_key, i) => details[i]?.secretValue !== undefined));
    const values = Object.fromEntries(
      PLATFORM_OUTPUT_KEYS.map((key, i) => [key, details[i]?.secretValue ?? details[i]?.value]),
    );
    const problems = contractProblems(values, secretKeys);
    if (problems.length > 0) throw contractError(stack, problems);
    return stack;
  });
  // Handled here too: it may reject before the output below awaits it (after platform.name).
  read.catch(() => undefined);
  // Waits for the StackReference (the output of a promise alone would not carry it as a dependency).
  return pulumi.all([platform.name, read]).apply(([, checked]) => checked);
}
