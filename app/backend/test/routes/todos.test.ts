import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { hasCapabilities } from "../../../../test/support/capabilities.ts";
import { startBackend } from "../helpers.ts";

type Backend = Awaited<ReturnType<typeof startBackend>>;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe.runIf(hasCapabilities("postgres"))("/api/todos against real Postgres", () => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await startBackend();
  });
  afterAll(async () => backend?.close());
  beforeEach(async () => {
    await backend.pool.query("TRUNCATE todos");
  });

  const create = async (title: string) => {
    const response = await backend.app.inject({ method: "POST", url: "/api/todos", payload: { title } });
    expect(response.statusCode).toBe(201);
    return response.json();
  };

  describe("POST", () => {
    it("creates a todo with id, trimmed title, completed=false and ISO timestamps", async () => {
      const todo = await create("  buy milk  ");
      expect(todo).toEqual({
        id: expect.stringMatching(UUID),
        title: "buy milk",
        completed: false,
        createdAt: expect.stringMatching(ISO),
        updatedAt: expect.stringMatching(ISO),
      });
    });

    it("accepts a 500-character title", async () => {
      expect((await create("x".repeat(500))).title).toHaveLength(500);
    });

    it.each([
      ["missing title", {}, "body.title is required"],
      ["empty title", { title: "" }, "body.title"],
      ["whitespace-only title", { title: " \t\n " }, "body.title must not be blank"],
      ["501-character title", { title: "x".repeat(501) }, "body.title"],
      ["title of the wrong type", { title: 42 }, "body.title must be string"],
      ["unknown field", { title: "a", done: true }, "body.done is not an allowed field"],
      ["array body", [{ title: "a" }], "body must be object"],
    ])("rejects %s with 400 naming the field", async (_name, payload, message) => {
      const response = await backend.app.inject({ method: "POST", url: "/api/todos", payload });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({ error: "Bad Request", message: expect.stringContaining(message) });
    });

    it("rejects malformed JSON with 400", async () => {
      const response = await backend.app.inject({
        method: "POST",
        url: "/api/todos",
        headers: { "content-type": "application/json" },
        payload: '{"title": "a",',
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ error: "Bad Request", message: expect.stringContaining("JSON") });
    });

    it("rejects an empty JSON body and a prototype-poisoning body with 400", async () => {
      for (const payload of ["", '{"title":"a","__proto__":{"x":1}}']) {
        const response = await backend.app.inject({
          method: "POST",
          url: "/api/todos",
          headers: { "content-type": "application/json" },
          payload,
        });
        expect(response.statusCode, payload).toBe(400);
        expect(response.json()).toHaveProperty("message");
      }
    });

    it("answers 400 for a text body, 415 for an unsupported media type and 413 for an oversized body", async () => {
      const post = (contentType: string, payload: string) =>
        backend.app.inject({ method: "POST", url: "/api/todos", headers: { "content-type": contentType }, payload });
      const text = await post("text/plain", "title=a");
      expect(text.statusCode).toBe(400);
      expect(text.json().message).toBe("body must be object");
      expect((await post("application/xml", "<title>a</title>")).statusCode).toBe(415);
      const huge = await backend.app.inject({
        method: "POST",
        url: "/api/todos",
        payload: { title: "x".repeat(100_000) },
      });
      expect(huge.statusCode).toBe(413);
    });
  });

  describe("PATCH", () => {
    it("updates title and completed and bumps updatedAt", async () => {
      const todo = await create("draft");
      const response = await backend.app.inject({
        method: "PATCH",
        url: `/api/todos/${todo.id}`,
        payload: { title: "final", completed: true },
      });
      expect(response.statusCode).toBe(200);
      const updated = response.json();
      expect(updated).toMatchObject({ id: todo.id, title: "final", completed: true, createdAt: todo.createdAt });
      expect(updated.updatedAt > todo.updatedAt).toBe(true);
    });

    it("changes only the given field", async () => {
      const todo = await create("keep me");
      const response = await backend.app.inject({
        method: "PATCH",
        url: `/api/todos/${todo.id}`,
        payload: { completed: true },
      });
      expect(response.json()).toMatchObject({ title: "keep me", completed: true });
    });

    it("answers 404 for an unknown id", async () => {
      const response = await backend.app.inject({
        method: "PATCH",
        url: "/api/todos/00000000-0000-4000-8000-000000000000",
        payload: { completed: true },
      });
      expect(response.statusCode).toBe(404);
      expect(response.json()).toEqual({ error: "Not Found", message: expect.stringContaining("not found") });
    });

    it.each([
      ["an empty body", {}, "body must contain at least one field"],
      ["a blank title", { title: "   " }, "body.title must not be blank"],
      ["completed as a string", { completed: "true" }, "body.completed must be boolean"],
      ["an unknown field", { done: true }, "body.done is not an allowed field"],
    ])("rejects %s with 400", async (_name, payload, message) => {
      const todo = await create("x");
      const response = await backend.app.inject({ method: "PATCH", url: `/api/todos/${todo.id}`, payload });
      expect(response.statusCode).toBe(400);
      expect(response.json().message).toContain(message);
    });

    it("rejects a malformed id with 400 naming the path parameter", async () => {
      const response = await backend.app.inject({
        method: "PATCH",
        url: "/api/todos/not-a-uuid",
        payload: { completed: true },
      });
      expect(response.statusCode).toBe(400);
      expect(response.json().message).toContain("path.id");
    });
  });

  describe("DELETE", () => {
    it("deletes with 204, then the id is gone (404)", async () => {
      const todo = await create("bye");
      const first = await backend.app.inject({ method: "DELETE", url: `/api/todos/${todo.id}` });
      expect(first.statusCode).toBe(204);
      expect(first.body).toBe("");
      const second = await backend.app.inject({ method: "DELETE", url: `/api/todos/${todo.id}` });
      expect(second.statusCode).toBe(404);
      const list = await backend.app.inject({ url: "/api/todos" });
      expect(list.json().items).toEqual([]);
    });

    it("rejects a malformed id with 400", async () => {
      const response = await backend.app.inject({ method: "DELETE", url: "/api/todos/123" });
      expect(response.statusCode).toBe(400);
    });
  });

  describe("GET", () => {
    it("lists newest first and filters by status", async () => {
      const a = await create("a");
      const b = await create("b");
      const c = await create("c");
      await backend.app.inject({ method: "PATCH", url: `/api/todos/${b.id}`, payload: { completed: true } });
      const titles = async (query: string) =>
        (await backend.app.inject({ url: `/api/todos${query}` })).json().items.map((t: { title: string }) => t.title);
      expect(await titles("")).toEqual(["c", "b", "a"]);
      expect(await titles("?status=all")).toEqual(["c", "b", "a"]);
      expect(await titles("?status=active")).toEqual(["c", "a"]);
      expect(await titles("?status=completed")).toEqual(["b"]);
      expect([a.id, c.id]).toHaveLength(2);
    });

    it("pages with limit and nextCursor until null", async () => {
      for (let i = 0; i < 5; i += 1) await create(`t${i}`);
      const first = (await backend.app.inject({ url: "/api/todos?limit=2" })).json();
      expect(first.items.map((t: { title: string }) => t.title)).toEqual(["t4", "t3"]);
      expect(first.nextCursor).toEqual(expect.any(String));
      const second = (await backend.app.inject({ url: `/api/todos?limit=2&cursor=${first.nextCursor}` })).json();
      expect(second.items.map((t: { title: string }) => t.title)).toEqual(["t2", "t1"]);
      const third = (await backend.app.inject({ url: `/api/todos?limit=2&cursor=${second.nextCursor}` })).json();
      expect(third).toMatchObject({ items: [{ title: "t0" }], nextCursor: null });
    });

    it("returns nextCursor null when the page is exactly full", async () => {
      await create("only");
      expect((await backend.app.inject({ url: "/api/todos?limit=1" })).json().nextCursor).toBeNull();
    });

    it("orders rows that share created_at by id, without skipping or repeating across pages", async () => {
      await backend.pool.query(
        "INSERT INTO todos (title, created_at) SELECT 'tie ' || g, '2026-01-01T00:00:00Z' FROM generate_series(1, 7) g",
      );
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = cursor ? `&cursor=${cursor}` : "";
        const page = (await backend.app.inject({ url: `/api/todos?limit=3${query}` })).json();
        seen.push(...page.items.map((t: { id: string }) => t.id));
        cursor = page.nextCursor;
      } while (cursor);
      const { rows } = await backend.pool.query("SELECT id FROM todos ORDER BY id DESC");
      expect(seen).toEqual(rows.map((row) => row.id));
    });

    it.each([
      ["status=done", "query.status"],
      ["limit=0", "query.limit"],
      ["limit=101", "query.limit"],
      ["limit=abc", "query.limit"],
      ["limit=1.5", "query.limit"],
      ["cursor=", "query.cursor"],
      ["cursor=%E2%98%83", "query.cursor"],
      ["cursor=bm90LWEtY3Vyc29y", "query.cursor"],
      ["sort=asc", "query.sort is not an allowed field"],
    ])("rejects ?%s with 400 naming %s", async (query, field) => {
      const response = await backend.app.inject({ url: `/api/todos?${query}` });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({ error: "Bad Request", message: expect.stringContaining(field) });
    });
  });

  describe("health and plumbing", () => {
    it("GET /healthz and /readyz answer 200 while the DB is up", async () => {
      expect((await backend.app.inject({ url: "/healthz" })).json()).toEqual({ status: "ok" });
      const ready = await backend.app.inject({ url: "/readyz" });
      expect(ready.statusCode).toBe(200);
    });

    it("answers unknown routes with a JSON 404", async () => {
      const response = await backend.app.inject({ url: "/nope" });
      expect(response.statusCode).toBe(404);
      expect(response.json()).toEqual({ error: "Not Found", message: "no route for GET /nope" });
    });

    it("echoes a safe x-request-id and replaces an unsafe one", async () => {
      const kept = await backend.app.inject({ url: "/healthz", headers: { "x-request-id": "abc-123" } });
      expect(kept.headers["x-request-id"]).toBe("abc-123");
      const replaced = await backend.app.inject({ url: "/healthz", headers: { "x-request-id": "bad id\u0000" } });
      expect(replaced.headers["x-request-id"]).toMatch(UUID);
    });

    it("hides the details of unexpected errors behind a generic 500", async () => {
      await backend.pool.query("ALTER TABLE todos RENAME TO todos_moved");
      try {
        const response = await backend.app.inject({ url: "/api/todos" });
        expect(response.statusCode).toBe(500);
        expect(response.json()).toEqual({ error: "Internal Server Error", message: "internal error" });
      } finally {
        await backend.pool.query("ALTER TABLE todos_moved RENAME TO todos");
      }
    });
  });
});
