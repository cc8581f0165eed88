// All SQL for todos. Statements are unnamed (no `name:`), so they work through PgBouncer
// transaction pooling; every value is a bind parameter.
import type { ListTodosResponse, Todo, TodoStatus } from "@todo/api";
import type pg from "pg";
import { type CursorPosition, encodeCursor } from "./cursor.ts";

// Times as ISO-8601 UTC text with microseconds (the cursor needs them exactly). The aliases must
// differ from the column names: ORDER BY prefers output names, and sorting by the text alias
// would bypass the (created_at, id) index.
const COLUMNS = `id, title, completed,
  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_iso,
  to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS updated_iso`;

interface TodoRow {
  id: string;
  title: string;
  completed: boolean;
  created_iso: string;
  updated_iso: string;
}

const toTodo = (row: TodoRow): Todo => ({
  id: row.id,
  title: row.title,
  completed: row.completed,
  createdAt: row.created_iso,
  updatedAt: row.updated_iso,
});

export interface ListOptions {
  status: TodoStatus;
  limit: number;
  after?: CursorPosition;
}

export interface TodoRepository {
  list(options: ListOptions): Promise<ListTodosResponse>;
  create(title: string): Promise<Todo>;
  update(id: string, changes: { title?: string; completed?: boolean }): Promise<Todo | undefined>;
  remove(id: string): Promise<boolean>;
}

/** The list statement: keyset condition, optional status filter, one row more than the page. */
export function listQuery({ status, limit, after }: ListOptions): pg.QueryConfig {
  const where: string[] = [];
  const values: unknown[] = [];
  if (status !== "all") {
    values.push(status === "completed");
    where.push(`completed = $${values.length}`);
  }
  if (after) {
    values.push(after.createdAt, after.id);
    where.push(`(created_at, id) < ($${values.length - 1}::timestamptz, $${values.length}::uuid)`);
  }
  // The extra row tells whether another page exists without a COUNT.
  values.push(limit + 1);
  return {
    // A named statement is parsed and planned once per connection instead of on every page: the
    // hottest query of the API. Each of the four shapes gets its own name (the text differs).
    name: `todos-list-${status === "all" ? "all" : "by-status"}-${after ? "after" : "first"}`,
    text: `SELECT ${COLUMNS} FROM todos ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
      ORDER BY created_at DESC, id DESC LIMIT $${values.length}`,
    values,
  };
}

export function createTodoRepository(pool: pg.Pool): TodoRepository {
  return {
    async list(options) {
      const { limit } = options;
      const { rows } = await pool.query<TodoRow>(listQuery(options));
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      const nextCursor =
        rows.length > limit && last ? encodeCursor({ createdAt: last.created_iso, id: last.id }) : null;
      return { items: page.map(toTodo), nextCursor };
    },

    async create(title) {
      const { rows } = await pool.query<TodoRow>(`INSERT INTO todos (title) VALUES ($1) RETURNING ${COLUMNS}`, [title]);
      return toTodo(rows[0] as TodoRow);
    },

    async update(id, changes) {
      const { rows } = await pool.query<TodoRow>(
        `UPDATE todos SET title = COALESCE($2, title), completed = COALESCE($3, completed), updated_at = clock_timestamp()
         WHERE id = $1 RETURNING ${COLUMNS}`,
        [id, changes.title ?? null, changes.completed ?? null],
      );
      return rows[0] ? toTodo(rows[0]) : undefined;
    },

    async remove(id) {
      const { rowCount } = await pool.query("DELETE FROM todos WHERE id = $1", [id]);
      return (rowCount ?? 0) > 0;
    },
  };
}
