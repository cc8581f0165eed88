// All SQL for todos; every value is a bind parameter. The list statement is named (prepared once
// per connection, see listQuery); the others are unnamed.
import type { ListTodosResponse, Todo, TodoStatus } from "@todo/api";
import type pg from "pg";
import { type CursorPosition, encodeCursor } from "./cursor.ts";

// Times as ISO-8601 UTC text with microseconds (the cursor needs them exactly). Rows come back in
// the API's own shape (`createdAt`, `updatedAt`), so they are sent as they are, without a copy per
// row. The aliases must differ from the column names: ORDER BY prefers output names, and sorting
// by the text alias would bypass the (created_at, id) index.
const COLUMNS = `id, title, completed,
  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "createdAt",
  to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "updatedAt"`;

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

/** The create statement: one row, the server's clock for both times, the new row returned. */
export function createQuery(title: string): pg.QueryConfig {
  return { text: `INSERT INTO todos (title) VALUES ($1) RETURNING ${COLUMNS}`, values: [title] };
}

export function createTodoRepository(pool: pg.Pool): TodoRepository {
  return {
    async list(options) {
      const { limit } = options;
      const { rows } = await pool.query<Todo>(listQuery(options));
      if (rows.length <= limit) return { items: rows, nextCursor: null };
      // The extra row only says that another page exists: drop it, and point the cursor at the last row kept.
      rows.length = limit;
      const last = rows[limit - 1] as Todo;
      return { items: rows, nextCursor: encodeCursor({ createdAt: last.createdAt, id: last.id }) };
    },

    async create(title) {
      const { rows } = await pool.query<Todo>(createQuery(title));
      return rows[0] as Todo;
    },

    async update(id, changes) {
      const { rows } = await pool.query<Todo>(
        `UPDATE todos SET title = COALESCE($2, title), completed = COALESCE($3, completed), updated_at = clock_timestamp()
         WHERE id = $1 RETURNING ${COLUMNS}`,
        [id, changes.title ?? null, changes.completed ?? null],
      );
      return rows[0];
    },

    async remove(id) {
      const { rowCount } = await pool.query("DELETE FROM todos WHERE id = $1", [id]);
      return (rowCount ?? 0) > 0;
    },
  };
}
