// One list of config keys, four places: Pulumi.yaml's `config:` block, config/keys.ts
// (CONFIG_KEYS, AIOPS_FIELDS), the zod slices that validate them, and README's table.
// These tests fail when any of them disagrees on a key, its type, default, secretness or text,
// and check that the defaults Pulumi.yaml hands the program pass the program's own validation.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { z } from "zod";

import { aiopsConfigSchema } from "../../config/aiops";
import { deployConfigSchema } from "../../config/deploy";
import { imagesConfigSchema } from "../../config/images";
import { parsePlatformConfig } from "../../config/index";
import { AIOPS_FIELDS, CONFIG_KEYS, type ConfigKeyDoc, fixCommand, SECRET_KEY_PATHS } from "../../config/keys";
import { REPO_ROOT, stackConfig } from "./support/run-program";

interface Declaration {
  type?: string;
  description?: string;
  default?: unknown;
  secret?: boolean;
  items?: unknown;
  value?: unknown;
}

const projectText = readFileSync(join(REPO_ROOT, "Pulumi.yaml"), "utf8");
const project = parse(projectText) as { name: string; config: Record<string, Declaration> };
const docs = readFileSync(join(REPO_ROOT, "README.md"), "utf8");

/** Every documented key path: the flat keys and `aiops.<field>`. */
const ALL_DOCS: [string, ConfigKeyDoc][] = [
  ...Object.entries(CONFIG_KEYS),
  ...Object.entries(AIOPS_FIELDS).map(([field, doc]) => [`aiops.${field}`, doc] as [string, ConfigKeyDoc]),
];

/** What the zod schema of one field says: its type in config terms, default, optionality, enum values. */
function zodFacts(field: z.ZodType): { type: string; default?: unknown; required: boolean; values?: string[] } {
  // biome-ignore lint/suspicious/noExplicitAny: zod's wrapped type is only reachable through its def
  let inner: any = field;
  while (inner._zod.def.type === "default" || inner._zod.def.type === "optional") inner = inner._zod.def.innerType;
  const base = inner._zod.def.type as string;
  const type = base === "number" ? (inner.isInt ? "integer" : "number") : base === "enum" ? "string" : (base as string);
  const empty = field.safeParse(undefined);
  return {
    type,
    default: empty.success ? empty.data : undefined,
    required: !empty.success,
    values: base === "enum" ? (inner.options as string[]) : undefined,
  };
}

const FLAT_SHAPE: Record<string, z.ZodType> = { ...deployConfigSchema.shape, ...imagesConfigSchema.shape };
const AIOPS_SHAPE: Record<string, z.ZodType> = aiopsConfigSchema.shape;

/** Rows of the markdown table between `<!-- <name>:start … -->` and `<!-- <name>:end -->`. */
function docsTable(name: string): string[][] {
  const start = docs.indexOf(`<!-- ${name}:start`);
  const end = docs.indexOf(`<!-- ${name}:end -->`);
  if (start < 0 || end < start) throw new Error(`README.md has no ${name} markers`);
  return docs
    .slice(start, end)
    .split("\n")
    .filter((line) => line.startsWith("| ") && !line.startsWith("| ---"))
    .slice(1) // header
    .map((line) =>
      line
        .slice(2, -2)
        .split(/(?<!\\) \| /)
        .map((cell) => cell.trim()),
    );
}

describe("config/keys.ts against the zod slices", () => {
  it("lists exactly the keys the slices validate, and exactly the fields of aiops", () => {
    expect(Object.keys(CONFIG_KEYS).sort()).toEqual([...Object.keys(FLAT_SHAPE), "aiops"].sort());
    expect(Object.keys(AIOPS_FIELDS).sort()).toEqual(Object.keys(AIOPS_SHAPE).sort());
  });

  it.each(Object.keys(FLAT_SHAPE))("%s has the zod slice's type, default and values", (key) => {
    const doc = CONFIG_KEYS[key] as ConfigKeyDoc;
    const facts = zodFacts(FLAT_SHAPE[key] as z.ZodType);
    expect(doc.type).toBe(facts.type);
    expect(doc.default).toEqual(facts.default);
    expect(doc.values).toEqual(facts.values);
  });

  it.each(Object.keys(AIOPS_SHAPE))("aiops.%s has the zod slice's type, default and values", (field) => {
    const doc = AIOPS_FIELDS[field] as ConfigKeyDoc;
    const facts = zodFacts(AIOPS_SHAPE[field] as z.ZodType);
    expect(doc.type).toBe(facts.type);
    expect(doc.default).toEqual(facts.default);
    expect(doc.values).toEqual(facts.values);
    expect(facts.required).toBe(false);
  });

  it("marks as secret exactly the key paths whose values are redacted, and their fix uses --secret", () => {
    const secretPaths = ALL_DOCS.filter(([, doc]) => doc.secret).map(([path]) => path);
    expect(secretPaths.sort()).toEqual([...SECRET_KEY_PATHS].sort());
    for (const [path, doc] of ALL_DOCS) {
      if (path === "aiops") continue;
      expect(fixCommand(path).includes("--secret"), path).toBe(doc.secret === true);
    }
  });

  it("never puts a secret's value on the command line: its fix lets `pulumi config set` prompt", () => {
    expect(fixCommand("databaseUrl")).toBe("pulumi config set --secret databaseUrl");
    expect(fixCommand("aiops.llmApiKey")).toBe("pulumi config set --secret --path aiops.llmApiKey");
    expect(fixCommand("namespace")).toBe("pulumi config set namespace todo-dev");
  });

  it("sets a list item by item with --path", () => {
    expect(fixCommand("networkPolicyAllowNamespaces")).toBe(
      "pulumi config set --path 'networkPolicyAllowNamespaces[0]' ingress-nginx",
    );
    expect(fixCommand("networkPolicies")).toBe("pulumi config set networkPolicies true");
  });

  it("gives every key an example its own slice accepts", () => {
    for (const [key, doc] of Object.entries(CONFIG_KEYS)) {
      if (doc.type === "object" || doc.secret) continue;
      const value =
        doc.type === "integer"
          ? Number(doc.example)
          : doc.type === "boolean"
            ? doc.example === "true"
            : doc.type === "array"
              ? [doc.example]
              : doc.example;
      expect((FLAT_SHAPE[key] as z.ZodType).safeParse(value).success, `${key} example ${doc.example}`).toBe(true);
    }
  });
});

describe("Pulumi.yaml's config block", () => {
  const declared = project.config;
  const withDefault = Object.entries(CONFIG_KEYS).filter(
    ([, doc]) => doc.default !== undefined || doc.type === "object",
  );

  it("declares exactly the keys that have a default (a declared key without one is required by Pulumi)", () => {
    expect(Object.keys(declared).sort()).toEqual(withDefault.map(([key]) => key).sort());
    for (const [key, declaration] of Object.entries(declared)) {
      expect(declaration.default, `${key} needs a default`).toBeDefined();
    }
  });

  it("uses only what Pulumi's project schema allows: types string/integer/boolean/array, no secret with a default", () => {
    for (const [key, declaration] of Object.entries(declared)) {
      expect(
        Object.keys(declaration).every((field) =>
          ["type", "description", "default", "secret", "items", "value"].includes(field),
        ),
        key,
      ).toBe(true);
      if (declaration.type !== undefined)
        expect(["string", "integer", "boolean", "array"], key).toContain(declaration.type);
      expect(declaration.secret, key).not.toBe(true);
      expect(declaration.value, `${key}: project keys take default, not value`).toBeUndefined();
    }
  });

  it.each(Object.entries(CONFIG_KEYS).filter(([, doc]) => doc.default !== undefined))(
    "declares %s with config/keys.ts's type, description and default",
    (key, doc) => {
      expect(declared[key]).toEqual({
        type: doc.type,
        description: doc.description,
        default: doc.default,
        ...(doc.items ? { items: doc.items } : {}),
      });
    },
  );

  it("declares aiops untyped (Pulumi has no object type) with the slice's defaults as its default", () => {
    const aiops = declared.aiops as Declaration;
    expect(aiops.type).toBeUndefined();
    expect(aiops.description).toBe(CONFIG_KEYS.aiops?.description);
    expect(aiops.default).toEqual(aiopsConfigSchema.parse({}));
    expect(aiops.default).toEqual(
      Object.fromEntries(
        Object.entries(AIOPS_FIELDS)
          .filter(([, doc]) => doc.default !== undefined)
          .map(([field, doc]) => [field, doc.default]),
      ),
    );
  });

  it("documents every undeclared key and every secret in its comment, with type and secretness", () => {
    const undeclared = ALL_DOCS.filter(
      ([path, doc]) => (!path.includes(".") && !(path in declared)) || (path.includes(".") && doc.secret),
    );
    expect(undeclared.map(([path]) => path)).toContain("databaseUrl");
    for (const [path, doc] of undeclared) {
      const line = projectText
        .split("\n")
        .find((text) => new RegExp(`^#\\s+${path.replace(".", "\\.")}\\s`).test(text));
      expect(line, `Pulumi.yaml comment for ${path}`).toBeDefined();
      const columns = (line as string).replace(/^#\s+\S+\s+/, "");
      expect(columns.startsWith(doc.secret ? `${doc.type}, secret ` : `${doc.type} `), `${path}: ${columns}`).toBe(
        true,
      );
    }
  });
});

describe("README's config table", () => {
  const rows = docsTable("config-table");

  it("has one row per key path, in config/keys.ts's order", () => {
    expect(rows.map((row) => row[0])).toEqual(ALL_DOCS.map(([path]) => `\`${path}\``));
  });

  it.each(ALL_DOCS)("%s: type, default, secret and description match config/keys.ts", (path, doc) => {
    const row = rows.find((cells) => cells[0] === `\`${path}\``);
    const expectedDefault =
      doc.type === "object"
        ? "see fields"
        : doc.default === undefined
          ? "—"
          : `\`${Array.isArray(doc.default) ? JSON.stringify(doc.default) : doc.default}\``;
    expect(row).toEqual([`\`${path}\``, doc.type, expectedDefault, doc.secret ? "yes" : "no", doc.description]);
  });

  it("lists each enumeration's values", () => {
    for (const [path, doc] of ALL_DOCS) {
      if (!doc.values) continue;
      const sentence = docs.split("\n\n").find((paragraph) => paragraph.startsWith("Enumerations:")) ?? "";
      const flat = sentence.replace(/\s+/g, " ");
      const after = flat.slice(flat.indexOf(`\`${path}\``));
      for (const value of doc.values) expect(after, `${path} value ${value}`).toContain(`\`${value}\``);
    }
  });
});

describe("Pulumi.yaml's defaults as the program receives them", () => {
  it("a stack that sets nothing validates, with exactly the declared defaults and namespace todo-<stack>", () => {
    const config = stackConfig("fresh-stack-without-settings");
    expect(config.frontendReplicas).toBe("2");
    expect(config.allowSingleFrontendReplica).toBe("false");
    const parsed = parsePlatformConfig(config, { project: project.name, stack: "qa" });
    expect(parsed.deploy).toEqual({
      kubeContext: "minikube",
      namespace: "todo-qa",
      frontendReplicas: 2,
      backendReplicas: 2,
      allowSingleFrontendReplica: false,
      postgresStorageSize: "1Gi",
      postgresImage: "postgres:17-bookworm",
      releaseTimeoutSeconds: 600,
      releaseMaxHistory: 10,
      networkPolicies: true,
      networkPolicyAllowNamespaces: [],
      networkPolicyDatabaseCidr: "0.0.0.0/0",
    });
    expect(parsed.images).toEqual({ imageLoader: "minikube", minikubeProfile: "minikube", kindCluster: "kind" });
    expect(parsed.aiops).toEqual(aiopsConfigSchema.parse({}));
    expect(parsed.hints).toEqual([]);
  });

  it("the dev stack (Pulumi.dev.yaml over the defaults) validates and holds no secret", () => {
    const settings = parse(readFileSync(join(REPO_ROOT, "Pulumi.dev.yaml"), "utf8")) as {
      config: Record<string, unknown>;
    };
    for (const [key, value] of Object.entries(settings.config)) {
      expect(key.startsWith(`${project.name}:`), key).toBe(true);
      expect(JSON.stringify(value), key).not.toContain("secure");
      expect(SECRET_KEY_PATHS.has(key.slice(project.name.length + 1)), key).toBe(false);
    }
    const parsed = parsePlatformConfig(stackConfig("dev"), { project: project.name, stack: "dev" });
    expect(parsed.deploy.namespace).toBe("todo-dev");
    expect(parsed.deploy.kubeContext).toBe("minikube");
    expect(parsed.deploy.databaseUrl).toBeUndefined();
    expect(parsed.images.imageLoader).toBe("minikube");
  });

  it("the NetworkPolicy keys: a list set with --path arrives as JSON and is parsed; the switch and the CIDR as text", () => {
    const config = stackConfig("fresh-stack-without-settings", {
      networkPolicies: "false",
      networkPolicyAllowNamespaces: JSON.stringify(["ingress-nginx", "monitoring"]),
      networkPolicyDatabaseCidr: "2001:db8::/32",
    });
    expect(stackConfig("fresh-stack-without-settings").networkPolicyAllowNamespaces).toBe("[]");
    const { deploy } = parsePlatformConfig(config, { project: project.name, stack: "dev" });
    expect(deploy.networkPolicies).toBe(false);
    expect(deploy.networkPolicyAllowNamespaces).toEqual(["ingress-nginx", "monitoring"]);
    expect(deploy.networkPolicyDatabaseCidr).toBe("2001:db8::/32");
  });

  it("a stack that sets one aiops field replaces the declared object and still gets the other defaults", () => {
    const config = stackConfig("fresh-stack-without-settings", { aiops: JSON.stringify({ failOn: "unhealthy" }) });
    const parsed = parsePlatformConfig(config, { project: project.name, stack: "dev" });
    expect(parsed.aiops).toEqual({ ...aiopsConfigSchema.parse({}), failOn: "unhealthy" });
  });
});
