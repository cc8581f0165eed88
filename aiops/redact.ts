// Known secret values are removed from everything the program prints, stores or sends to an analyzer.
import { readFileSync } from "node:fs";
import { type KubeTarget, kubectlJson } from "./kubectl";

export const REDACTED = "[REDACTED]";
/** Shorter values would redact ordinary words; no real secret is this short. */
const MIN_SECRET_LENGTH = 4;

/** The value itself plus the parts of it that leak on their own (a URL's password, its decoded form). */
export function secretVariants(value: string): string[] {
  const variants = [value];
  try {
    const url = new URL(value);
    if (url.password) variants.push(url.password, decodeURIComponent(url.password));
  } catch {
    // not a URL
  }
  return variants;
}

export class Redactor {
  private readonly secrets: string[];

  constructor(values: Iterable<string>) {
    const all = new Set<string>();
    for (const value of values) {
      for (const variant of secretVariants(value.trim())) if (variant.length >= MIN_SECRET_LENGTH) all.add(variant);
    }
    // Longest first, so a URL is replaced whole before its password alone.
    this.secrets = [...all].sort((a, b) => b.length - a.length);
  }

  get size(): number {
    return this.secrets.length;
  }

  text(input: string): string {
    let out = input;
    for (const secret of this.secrets) out = out.split(secret).join(REDACTED);
    return out;
  }

  /** Redacts every string inside a JSON-like value. */
  deep<T>(value: T): T {
    if (typeof value === "string") return this.text(value) as T;
    if (Array.isArray(value)) return value.map((item) => this.deep(item)) as T;
    if (value && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, this.deep(item)])) as T;
    }
    return value;
  }
}

/** Values of the named Kubernetes Secrets in the target namespace (the safe way: nothing secret in args or env). */
export async function secretValuesFromCluster(target: KubeTarget, names: string[]): Promise<string[]> {
  const values: string[] = [];
  for (const name of names) {
    try {
      const secret = await kubectlJson<{ data?: Record<string, string> }>(target, ["get", "secret", name]);
      for (const encoded of Object.values(secret.data ?? {}))
        values.push(Buffer.from(encoded, "base64").toString("utf8"));
    } catch {
      // Unreadable (missing, or RBAC): carry on with the values we have; the report still gets redacted.
    }
  }
  return values;
}

/** Values from a file, one per line (for secrets the cluster does not hold). */
export function secretValuesFromFile(path: string): string[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);
}
