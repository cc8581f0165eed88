// Malformed stack configs: each must fail with a message naming the key (and, for secrets, never
// the value) and register zero resources. All cases load the real index.ts under mocks in one
// child process, the way the Pulumi language host loads it.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { ConfigCase, ConfigCaseResult } from "./support/config-cases-driver";
import { REGISTER_LIKE_PULUMI, REPO_ROOT } from "./support/run-program";

const SECRET_CANARY = "s3cr3t-CANARY-7d1f";
const neon = (query: string, host = "ep-cool-1-pooler.eu-central-1.aws.neon.tech") =>
  `postgresql://todo:${SECRET_CANARY}@${host}/todo${query}`;

interface BadCase extends ConfigCase {
  /** The key the message must name. */
  key: string;
  /** More text the message must contain (the value shown, or the fix). */
  mentions?: string[];
}

const CASES: BadCase[] = [
  {
    name: "databaseUrl not a URL",
    key: "databaseUrl",
    config: { databaseUrl: "not a url" },
    secretKeys: ["databaseUrl"],
  },
  {
    name: "databaseUrl with http scheme",
    key: "databaseUrl",
    config: { databaseUrl: `http://todo:${SECRET_CANARY}@db.example.com/todo` },
    secretKeys: ["databaseUrl"],
    mentions: ['scheme "http"', "pulumi config set --secret databaseUrl"],
  },
  {
    name: "databaseUrl without database name",
    key: "databaseUrl",
    config: { databaseUrl: `postgresql://todo:${SECRET_CANARY}@db.example.com/` },
    secretKeys: ["databaseUrl"],
    mentions: ["no database name"],
  },
  {
    name: "Neon host without sslmode",
    key: "databaseUrl",
    config: { databaseUrl: neon("") },
    secretKeys: ["databaseUrl"],
    mentions: ["sslmode=require"],
  },
  {
    name: "Neon host with sslmode=disable",
    key: "databaseUrl",
    config: { databaseUrl: neon("?sslmode=disable") },
    secretKeys: ["databaseUrl"],
    mentions: ["sslmode=require"],
  },
  { name: "empty databaseUrl", key: "databaseUrl", config: { databaseUrl: "" }, secretKeys: ["databaseUrl"] },
  {
    name: "postgresPassword with a URL-breaking character",
    key: "postgresPassword",
    config: { postgresPassword: `${SECRET_CANARY}@x` },
    secretKeys: ["postgresPassword"],
    mentions: ["16-128 letters and digits", "pulumi config set --secret postgresPassword"],
  },
  {
    name: "postgresImage not an image reference",
    key: "postgresImage",
    config: { postgresImage: "Postgres 17" },
    mentions: ["image reference such as postgres:17-bookworm"],
  },
  {
    name: "frontendReplicas 1 without the override",
    key: "frontendReplicas",
    config: { frontendReplicas: "1" },
    mentions: ['got "1"', "allowSingleFrontendReplica true"],
  },
  {
    name: "frontendReplicas 0",
    key: "frontendReplicas",
    config: { frontendReplicas: "0", allowSingleFrontendReplica: "true" },
  },
  {
    name: "frontendReplicas not a number",
    key: "frontendReplicas",
    config: { frontendReplicas: "two" },
    mentions: ['"two"'],
  },
  {
    name: "backendReplicas 0",
    key: "backendReplicas",
    config: { backendReplicas: "0" },
    mentions: ["pulumi config set backendReplicas 2"],
  },
  { name: "backendReplicas fractional", key: "backendReplicas", config: { backendReplicas: "1.5" } },
  {
    name: "namespace with capitals and underscore",
    key: "namespace",
    config: { namespace: "Todo_Dev" },
    mentions: ['"Todo_Dev"', "DNS label"],
  },
  { name: "namespace longer than 63", key: "namespace", config: { namespace: "a".repeat(64) } },
  {
    name: "unknown image loader",
    key: "imageLoader",
    config: { imageLoader: "podman" },
    mentions: ['"podman"', "pulumi config set imageLoader minikube"],
  },
  {
    name: "registry loader without registry",
    key: "imageRegistry",
    config: { imageLoader: "registry" },
    mentions: ["pulumi config set imageRegistry"],
  },
  {
    name: "allowSingleFrontendReplica not a boolean",
    key: "allowSingleFrontendReplica",
    config: { allowSingleFrontendReplica: "yes" },
  },
  { name: "releaseTimeoutSeconds too small", key: "releaseTimeoutSeconds", config: { releaseTimeoutSeconds: "5" } },
  { name: "postgresStorageSize not a quantity", key: "postgresStorageSize", config: { postgresStorageSize: "lots" } },
  { name: "ingressHost with a scheme", key: "ingressHost", config: { ingressHost: "http://todo.local" } },
  {
    name: "typo in a key",
    key: "frontendReplica",
    config: { frontendReplica: "3" },
    mentions: ["did you mean frontendReplicas"],
  },
  {
    name: "unknown aiops analyzer",
    key: "aiops.analyzer",
    config: { aiops: JSON.stringify({ analyzer: "magic" }) },
    mentions: ["pulumi config set --path aiops.analyzer"],
  },
  {
    name: "installKagent without the LLM key",
    key: "aiops.llmApiKey",
    config: { aiops: JSON.stringify({ installKagent: true, llmProvider: "anthropic" }) },
    secretKeys: ["aiops"],
    mentions: ["pulumi config set --secret --path aiops.llmApiKey", "anthropic API key"],
  },
  {
    name: "installKagent with azureopenai and no endpoint",
    key: "aiops.azureEndpoint",
    config: {
      aiops: JSON.stringify({
        installKagent: true,
        llmProvider: "azureopenai",
        llmApiKey: SECRET_CANARY,
        azureDeployment: "gpt-4o-mini",
      }),
    },
    secretKeys: ["aiops"],
    mentions: ["pulumi config set --path aiops.azureEndpoint https://"],
  },
  {
    name: "installKagent with a chart toggle as the agent name",
    key: "aiops.agent",
    config: { aiops: JSON.stringify({ installKagent: true, llmProvider: "ollama", agent: "argo-rollouts-agent" }) },
    mentions: ["creates the Agent argo-rollouts-conversion-agent", "pulumi config set --path aiops.agent"],
  },
  {
    name: "aiops not an object",
    key: "aiops",
    config: { aiops: "kagent" },
  },
  { name: "namespace starting with a hyphen", key: "namespace", config: { namespace: "-dev" } },
  {
    name: "networkPolicies not a boolean",
    key: "networkPolicies",
    config: { networkPolicies: "off" },
    mentions: ['"off"', "pulumi config set networkPolicies true"],
  },
  {
    name: "networkPolicyAllowNamespaces with a name that is no DNS label",
    key: "networkPolicyAllowNamespaces",
    config: { networkPolicyAllowNamespaces: JSON.stringify(["monitoring", "Ingress_Nginx"]) },
    mentions: [
      '["monitoring","Ingress_Nginx"]',
      "item 1: each namespace must be a DNS label",
      "pulumi config set --path 'networkPolicyAllowNamespaces[1]' ingress-nginx",
    ],
  },
  {
    name: "networkPolicyAllowNamespaces a plain string, not a list",
    key: "networkPolicyAllowNamespaces",
    config: { networkPolicyAllowNamespaces: "ingress-nginx" },
    mentions: ["must be a list of namespace names", "--path 'networkPolicyAllowNamespaces[0]'"],
  },
  {
    name: "networkPolicyAllowNamespaces listing a namespace twice",
    key: "networkPolicyAllowNamespaces",
    config: { networkPolicyAllowNamespaces: JSON.stringify(["monitoring", "monitoring"]) },
    mentions: ["item 1: lists monitoring twice", "pulumi config rm --path 'networkPolicyAllowNamespaces[1]'"],
  },
  {
    name: "networkPolicyDatabaseCidr not a CIDR",
    key: "networkPolicyDatabaseCidr",
    config: { networkPolicyDatabaseCidr: "10.0.0.0/33" },
    mentions: ['"10.0.0.0/33"', "IPv4 or IPv6 CIDR", "pulumi config set networkPolicyDatabaseCidr 0.0.0.0/0"],
  },
  {
    name: "backendImage not an image reference",
    key: "backendImage",
    config: { backendImage: "https://ghcr.io/acme/todo-backend:1.4.2" },
    mentions: ["must be a full image reference", "pulumi config set backendImage ghcr.io/acme/todo-backend:1.4.2"],
  },
  {
    name: "backendImage on the moving latest tag",
    key: "backendImage",
    config: { backendImage: "ghcr.io/acme/todo-backend:latest" },
    mentions: ['"ghcr.io/acme/todo-backend:latest"', "moving `latest` tag"],
  },
  {
    name: "frontendImage without a tag",
    key: "frontendImage",
    config: { frontendImage: "ghcr.io/acme/todo-frontend" },
    mentions: ["has no tag", "pulumi config set frontendImage ghcr.io/acme/todo-frontend:1.4.2"],
  },
  {
    name: "aiops analyzer off with installKagent",
    key: "aiops.installKagent",
    config: { aiops: JSON.stringify({ analyzer: "off", installKagent: true, llmProvider: "ollama" }) },
    mentions: ["aiops.analyzer off turns the health check off", "pulumi config set --path aiops.installKagent false"],
  },
];

const CONTROL: ConfigCase = { name: "control: valid default config", config: {} };

let results: ConfigCaseResult[] = [];
let stderr = "";
const dir = mkdtempSync(join(tmpdir(), "todo-bad-config-"));

beforeAll(() => {
  const casesPath = join(dir, "cases.json");
  const resultsPath = join(dir, "results.json");
  // The control case is valid: it must register resources, which shows the counter works.
  writeFileSync(casesPath, JSON.stringify([...CASES, CONTROL]));
  const child = spawnSync(
    process.execPath,
    [
      "-r",
      REGISTER_LIKE_PULUMI,
      "-r",
      join(__dirname, "support", "program-mocks.ts"),
      join(__dirname, "support", "config-cases-driver.ts"),
    ],
    {
      cwd: REPO_ROOT,
      encoding: "utf8",
      timeout: 120_000,
      env: {
        ...process.env,
        TS_NODE_PROJECT: join(REPO_ROOT, "tsconfig.json"),
        PULUMI_CONFIG: "{}",
        TODO_CONFIG_CASES: casesPath,
        TODO_CONFIG_RESULTS: resultsPath,
      },
    },
  );
  stderr = `${child.stdout}${child.stderr}`;
  results = JSON.parse(readFileSync(resultsPath, "utf8"));
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("bad stack config (whole program under mocks)", () => {
  it("covers at least 15 malformed configs", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(15);
    expect(results.map((result) => result.name)).toEqual([...CASES, CONTROL].map((testCase) => testCase.name));
  });

  it.each(CASES)("$name: fails naming $key and registers zero resources", (testCase) => {
    const result = results.find((candidate) => candidate.name === testCase.name);
    expect(result?.error, `case ${testCase.name} did not fail`).toBeDefined();
    expect(result?.error).toContain("Invalid stack configuration (nothing was deployed)");
    expect(result?.error).toMatch(new RegExp(`^  - ${testCase.key.replace(".", "\\.")}: `, "m"));
    for (const text of testCase.mentions ?? []) expect(result?.error).toContain(text);
    expect(result?.registered).toEqual([]);
  });

  it("never prints a secret value in an error or log", () => {
    for (const result of results) expect(result.error ?? "").not.toContain(SECRET_CANARY);
    expect(stderr).not.toContain(SECRET_CANARY);
    const secretErrors = results.filter((result) => result.error?.includes("databaseUrl: got"));
    expect(secretErrors.length).toBeGreaterThan(0);
    for (const result of secretErrors) expect(result.error).toContain("databaseUrl: got a secret value (not shown)");
  });

  it("the control case (valid config) in the same process does register resources", () => {
    const control = results.find((result) => result.name === CONTROL.name);
    expect(control?.registered.length).toBeGreaterThan(0);
    expect(control?.error ?? "").not.toContain("Invalid stack configuration");
  });
});
