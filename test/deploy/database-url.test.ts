// checkDatabaseUrl (config/database-url.ts): the placeholders it refuses, the real URLs it keeps
// accepting, and that no message ever carries the password. The same URLs through the whole
// program under mocks are in bad-config.test.ts.
import { describe, expect, it } from "vitest";
import { checkDatabaseUrl, PLACEHOLDER_FIX, placeholderReasons } from "../../config/database-url";
import { deployConfigSchema } from "../../config/deploy";

const PASSWORD = "npg_Q7rT2vX9kLm4";
/** The shape the Neon console's Connect dialog copies (pooled host). */
const REAL_NEON = `postgresql://todo_owner:${PASSWORD}@ep-cool-name-123456-pooler.eu-central-1.aws.neon.tech/neondb?sslmode=require`;

/** [what it is, the URL]: each must be refused as a placeholder. */
const PLACEHOLDERS: Array<[string, string]> = [
  [
    "README's old deploy line",
    "postgresql://todo_owner:<password>@ep-example-123456-pooler.eu-central-1.aws.neon.tech/todo?sslmode=require",
  ],
  [
    "<password> alone",
    `postgresql://todo_owner:<password>@ep-cool-name-123456-pooler.eu-central-1.aws.neon.tech/neondb?sslmode=require`,
  ],
  ["any <…> in the host (unparsable)", `postgresql://todo:${PASSWORD}@<host>/todo`],
  ["<db> as the database", `postgresql://todo:${PASSWORD}@db.internal/<db>`],
  ["percent-encoded angle brackets", `postgresql://todo:%3Cpassword%3E@db.internal/todo`],
  ["Neon docs' [user]:[password]", "postgresql://[user]:[password]@db.internal/todo"],
  [
    "docs/runbook.md's ellipsis host",
    `postgresql://todo:${PASSWORD}@ep-…-pooler.eu-central-1.aws.neon.tech/todo?sslmode=require`,
  ],
  ["user:password@", "postgresql://user:password@db.internal:5432/todo"],
  ["username:password@", "postgres://USERNAME:Password@db.internal/todo"],
  [
    "the Neon console's masked password",
    "postgresql://todo_owner:************@ep-cool-name-123456.eu-central-1.aws.neon.tech/neondb?sslmode=require",
  ],
  [
    "YOUR_PASSWORD",
    "postgresql://todo_owner:YOUR_PASSWORD@ep-cool-name-123456.eu-central-1.aws.neon.tech/neondb?sslmode=require",
  ],
  ["your-host", `postgresql://todo:${PASSWORD}@your-host.eu-central-1.aws.neon.tech/neondb?sslmode=require`],
  ["an xxx host", `postgresql://todo:${PASSWORD}@ep-xxxx-pooler.eu-central-1.aws.neon.tech/neondb?sslmode=require`],
  ["an xxx password", "postgresql://todo:xxxxxx@db.internal/todo"],
  ["the host word host", `postgresql://todo:${PASSWORD}@host/db?sslmode=require`],
  ["an RFC 2606 example domain", `postgresql://todo:${PASSWORD}@db.example.com/todo`],
  [
    "Neon docs' endpoint",
    "postgresql://alex:Secr3tPass@ep-cool-darkness-123456.us-east-2.aws.neon.tech/dbname?sslmode=require",
  ],
  [
    "Neon docs' password",
    "postgresql://alex:AbC123dEf@ep-quiet-river-a1b2c3d4.us-east-2.aws.neon.tech/neondb?sslmode=require",
  ],
];

/** URLs that are real (or as real as tests get) and must stay accepted. */
const REAL: string[] = [
  REAL_NEON,
  `postgresql://todo_owner:${PASSWORD}@ep-cool-name-123456.eu-central-1.aws.neon.tech/neondb?sslmode=require`,
  "postgres://postgres:postgres@127.0.0.1:5432/todo",
  "postgres://user:pass@127.0.0.1:5432/todo",
  "postgresql://todo:not-a-real-password@ep-cool-1-pooler.eu-central-1.aws.neon.tech/todo?sslmode=require",
  "postgresql://app:s3cret@[::1]:5432/todo",
  "postgresql://todo:Maxx1234@todo-postgres.todo-dev.svc.cluster.local:5432/todo?sslmode=disable",
  "postgresql://example_user:pw@db.internal/examples",
];

describe("checkDatabaseUrl: placeholders", () => {
  it.each(PLACEHOLDERS)("refuses %s", (_what, url) => {
    const check = checkDatabaseUrl(url);
    const placeholder = check.problems.filter((problem) =>
      problem.startsWith("is a placeholder, not a real connection URL ("),
    );
    expect(placeholder).toHaveLength(1);
    // The fix: a prompt (nothing pasteable to a command line), or the in-cluster database.
    expect(placeholder[0]).toContain("`pulumi config set --secret databaseUrl`, which prompts for it");
    expect(placeholder[0]).toContain("`pulumi config rm databaseUrl`");
    expect(placeholder[0]?.endsWith(PLACEHOLDER_FIX)).toBe(true);
  });

  it("reports a placeholder first, and no 'is not a URL' for a <host> that breaks parsing", () => {
    const check = checkDatabaseUrl(`postgresql://todo:${PASSWORD}@<host>/todo`);
    expect(check.problems).toHaveLength(1);
    expect(check.problems[0]).toMatch(/^is a placeholder/);
    const http = checkDatabaseUrl(`http://todo:${PASSWORD}@db.example.com/todo`);
    expect(http.problems[0]).toMatch(/^is a placeholder/);
    expect(http.problems.some((problem) => problem.includes('scheme "http"'))).toBe(true);
  });

  it("names the part that is a placeholder, never the password", () => {
    for (const [, url] of PLACEHOLDERS) {
      const password = (() => {
        try {
          return decodeURIComponent(new URL(url).password);
        } catch {
          return PASSWORD;
        }
      })();
      for (const text of [...checkDatabaseUrl(url).problems, ...checkDatabaseUrl(url).hints]) {
        // "password" itself is a word of the fixed text ("the literal user:password"); any other is not.
        if (password && password.toLowerCase() !== "password") expect(text).not.toContain(password);
        expect(text).not.toContain(PASSWORD);
      }
    }
    expect(placeholderReasons("postgresql://todo_owner:YOUR_PASSWORD@db.internal/todo")).toEqual([
      "its password is a YOUR_… placeholder",
    ]);
    expect(placeholderReasons("postgresql://user:password@db.internal/todo")).toEqual([
      "its credentials are the literal user:password",
    ]);
  });

  it.each(REAL)("accepts %s", (url) => {
    expect(placeholderReasons(url)).toEqual([]);
    expect(checkDatabaseUrl(url).problems).toEqual([]);
  });

  it("keeps the Neon checks for a real URL: sslmode, and the pooled-host hint without the password", () => {
    const direct = `postgresql://todo_owner:${PASSWORD}@ep-cool-name-123456.eu-central-1.aws.neon.tech/neondb`;
    const check = checkDatabaseUrl(direct);
    expect(check.problems).toEqual([
      "points at Neon (ep-cool-name-123456.eu-central-1.aws.neon.tech) without sslmode=require; append ?sslmode=require",
    ]);
    expect(check.hints.join("\n")).toContain("ep-cool-name-123456-pooler.eu-central-1.aws.neon.tech");
    expect(JSON.stringify(check)).not.toContain(PASSWORD);
  });
});

describe("deployConfigSchema: a placeholder databaseUrl", () => {
  it("fails on the databaseUrl key with the prompt fix, and no issue text holds the password", () => {
    const secret = "s3cr3t-CANARY-db-9a2e";
    const result = deployConfigSchema.safeParse({
      namespace: "todo-dev",
      databaseUrl: `postgresql://user:password@ep-example-123456-pooler.eu-central-1.aws.neon.tech/todo?sslmode=require&x=${secret}`,
    });
    expect(result.success).toBe(false);
    const issues = result.error?.issues ?? [];
    expect(issues.map((issue) => issue.path.join("."))).toEqual(["databaseUrl"]);
    expect(issues[0]?.message).toMatch(/^is a placeholder, not a real connection URL \(/);
    expect(issues[0]?.message).toContain("pulumi config set --secret databaseUrl");
    expect(JSON.stringify(issues)).not.toContain(secret);
  });

  it("accepts a real Neon URL", () => {
    expect(deployConfigSchema.safeParse({ namespace: "todo-dev", databaseUrl: REAL_NEON }).success).toBe(true);
  });
});
