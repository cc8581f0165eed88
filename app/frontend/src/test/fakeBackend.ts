// An in-memory fake of the backend's /api/todos contract, installed as the fetch of one test's
// API client. It lets component tests run the real client code against realistic answers.
import type { Todo } from "@todo/api";
import { vi } from "vitest";

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

interface ScriptedFailure {
  method: string;
  status: number;
  body: unknown;
}

let sequence = 0;

/** A todo with a deterministic uuid-shaped id; later calls are newer. */
export function makeTodo(title: string, completed = false): Todo {
  sequence += 1;
  const time = new Date(Date.UTC(2026, 0, 1, 0, 0, sequence)).toISOString();
  const id = `00000000-0000-4000-8000-${String(sequence).padStart(12, "0")}`;
  return { id, title, completed, createdAt: time, updatedAt: time };
}

function json(status: number, body: unknown): Response {
  return new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}

export class FakeBackend {
  /** Newest first, as the real backend orders them. */
  todos: Todo[];
  readonly requests: RecordedRequest[] = [];
  private failures: ScriptedFailure[] = [];
  private held: Array<() => void> = [];
  private holding = false;

  constructor(todos: Todo[] = []) {
    this.todos = [...todos];
  }

  /** The next request of this method answers with this status and body instead. */
  failNext(method: string, status: number, body: unknown = { error: "Error", message: `HTTP ${status}` }): void {
    this.failures.push({ method, status, body });
  }

  /** Keeps answers pending until release(), to observe loading states. */
  hold(): void {
    this.holding = true;
  }

  /** Answers the held requests, oldest first unless `newestFirst` (to deliver them out of order). */
  release({ newestFirst = false } = {}): void {
    this.holding = false;
    const held = this.held.splice(0);
    for (const resume of newestFirst ? held.reverse() : held) resume();
  }

  readonly fetch = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(String(input), "http://app.test");
    const method = (init.method ?? "GET").toUpperCase();
    const body = typeof init.body === "string" ? JSON.parse(init.body) : undefined;
    this.requests.push({ method, path: url.pathname, query: url.searchParams, body });
    if (this.holding) await new Promise<void>((resolve) => this.held.push(resolve));
    const failure = this.failures.findIndex((f) => f.method === method);
    if (failure >= 0) {
      const [{ status, body: failureBody }] = this.failures.splice(failure, 1) as [ScriptedFailure];
      return json(status, failureBody);
    }
    return this.answer(method, url, body);
  });

  private answer(method: string, url: URL, body: unknown): Response {
    const id = url.pathname.match(/^\/api\/todos\/([^/]+)$/)?.[1];
    if (url.pathname === "/api/todos" && method === "GET") return this.list(url.searchParams);
    if (url.pathname === "/api/todos" && method === "POST") {
      const todo = makeTodo((body as { title: string }).title);
      this.todos.unshift(todo);
      return json(201, todo);
    }
    const index = this.todos.findIndex((todo) => todo.id === id);
    if (index < 0) return json(404, { error: "Not Found", message: `todo ${id} not found` });
    if (method === "PATCH") {
      const current = this.todos[index] as Todo;
      const updated = { ...current, ...(body as Partial<Todo>), updatedAt: new Date().toISOString() };
      this.todos[index] = updated;
      return json(200, updated);
    }
    if (method === "DELETE") {
      this.todos.splice(index, 1);
      return json(204, null);
    }
    return json(405, { error: "Method Not Allowed", message: method });
  }

  private list(query: URLSearchParams): Response {
    const status = query.get("status") ?? "all";
    const limit = Number(query.get("limit") ?? 20);
    const matching = this.todos.filter((todo) => status === "all" || todo.completed === (status === "completed"));
    const cursor = query.get("cursor");
    const start = cursor ? matching.findIndex((todo) => todo.id === cursor) + 1 : 0;
    const items = matching.slice(start, start + limit);
    const more = start + limit < matching.length;
    return json(200, { items, nextCursor: more ? (items.at(-1)?.id ?? null) : null });
  }
}
