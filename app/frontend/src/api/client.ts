// The one place the app talks HTTP. The base is relative (/api): in production the app's own
// server proxies it to the backend, so the browser never needs the backend's host or CORS.
import type { CreateTodoBody, ListTodosResponse, Todo, TodoStatus, UpdateTodoBody } from "@todo/api";

export type { Todo, TodoStatus };

/** A non-2xx answer, carrying the backend's `{ error, message }` when it sent one. */
export class ApiError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
  }
}

export interface ListTodosParams {
  status: TodoStatus;
  limit?: number;
  cursor?: string | null;
}

export interface TodoApi {
  listTodos(params: ListTodosParams, signal?: AbortSignal): Promise<ListTodosResponse>;
  createTodo(body: CreateTodoBody): Promise<Todo>;
  updateTodo(id: string, body: UpdateTodoBody): Promise<Todo>;
  deleteTodo(id: string): Promise<void>;
}

export interface ApiClientOptions {
  /** @default "/api" */
  baseUrl?: string;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

async function errorFrom(response: Response): Promise<ApiError> {
  let message = `Request failed with HTTP ${response.status}`;
  try {
    const body = (await response.json()) as { message?: unknown };
    if (typeof body.message === "string" && body.message) message = body.message;
  } catch {
    // Not JSON (a proxy error page, say): the status line is all we can tell the user.
  }
  return new ApiError(response.status, message);
}

export function createApiClient(options: ApiClientOptions = {}): TodoApi {
  const baseUrl = options.baseUrl ?? "/api";
  // Bound late so tests that stub globalThis.fetch after creating a client still take effect.
  const doFetch: typeof fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));

  async function request<T>(path: string, init: RequestInit = {}): Promise<T> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (init.body !== undefined) headers["content-type"] = "application/json";
    const response = await doFetch(`${baseUrl}${path}`, { ...init, headers });
    if (!response.ok) throw await errorFrom(response);
    return (response.status === 204 ? undefined : await response.json()) as T;
  }

  return {
    listTodos({ status, limit, cursor }, signal) {
      const query = new URLSearchParams({ status });
      if (limit !== undefined) query.set("limit", String(limit));
      if (cursor) query.set("cursor", cursor);
      return request<ListTodosResponse>(`/todos?${query}`, { signal });
    },
    createTodo(body) {
      return request<Todo>("/todos", { method: "POST", body: JSON.stringify(body) });
    },
    updateTodo(id, body) {
      return request<Todo>(`/todos/${encodeURIComponent(id)}`, { method: "PATCH", body: JSON.stringify(body) });
    },
    deleteTodo(id) {
      return request<void>(`/todos/${encodeURIComponent(id)}`, { method: "DELETE" });
    },
  };
}
