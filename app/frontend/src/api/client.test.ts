import { describe, expect, it, vi } from "vitest";
import { ApiError, createApiClient } from "./client.ts";

function answer(status: number, body: string, contentType = "application/json") {
  return vi.fn(async () => new Response(body, { status, headers: { "content-type": contentType } }));
}

describe("createApiClient", () => {
  it("calls the relative /api base with the query and JSON headers", async () => {
    const fetch = answer(200, JSON.stringify({ items: [], nextCursor: null }));
    await createApiClient({ fetch }).listTodos({ status: "active", limit: 5, cursor: "abc" });
    expect(fetch).toHaveBeenCalledWith("/api/todos?status=active&limit=5&cursor=abc", expect.anything());
  });

  it("sends a JSON body and content type on writes", async () => {
    const fetch = answer(201, JSON.stringify({ id: "1" }));
    await createApiClient({ fetch }).createTodo({ title: "x" });
    expect(fetch).toHaveBeenCalledWith("/api/todos", {
      method: "POST",
      body: '{"title":"x"}',
      headers: { accept: "application/json", "content-type": "application/json" },
    });
  });

  it("turns an error body into an ApiError with the backend's message", async () => {
    const error = await createApiClient({ fetch: answer(404, '{"error":"Not Found","message":"todo 1 not found"}') })
      .deleteTodo("1")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 404, message: "todo 1 not found" });
  });

  it("falls back to the status when the error is not JSON (a proxy's 502 page)", async () => {
    const client = createApiClient({ fetch: answer(502, "<h1>Bad Gateway</h1>", "text/html") });
    await expect(client.listTodos({ status: "all" })).rejects.toThrow("Request failed with HTTP 502");
  });

  it("resolves DELETE's 204 without reading a body", async () => {
    const fetch = vi.fn(async () => new Response(null, { status: 204 }));
    await expect(createApiClient({ fetch }).deleteTodo("1")).resolves.toBeUndefined();
  });
});
