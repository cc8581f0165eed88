// The HTTP contract between the backend, the frontend and the deploy checks. Schemas are the
// single source: the backend validates with them and the TS types are derived, never retyped.
import { type Static, Type } from "typebox";

export const TITLE_MAX_LENGTH = 500;
export const LIST_LIMIT_MAX = 100;
export const LIST_LIMIT_DEFAULT = 20;

export const TodoId = Type.String({ format: "uuid" });

export const Todo = Type.Object(
  {
    id: TodoId,
    title: Type.String(),
    completed: Type.Boolean(),
    createdAt: Type.String({ format: "date-time" }),
    updatedAt: Type.String({ format: "date-time" }),
  },
  { additionalProperties: false },
);
export type Todo = Static<typeof Todo>;

export const TodoStatus = Type.Union([Type.Literal("all"), Type.Literal("active"), Type.Literal("completed")]);
export type TodoStatus = Static<typeof TodoStatus>;

/** A title must contain something other than white space and stay within the limit. */
export const TodoTitle = Type.String({ minLength: 1, maxLength: TITLE_MAX_LENGTH, pattern: "\\S" });

export const ListTodosQuery = Type.Object(
  {
    status: Type.Optional(TodoStatus),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: LIST_LIMIT_MAX })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type ListTodosQuery = Static<typeof ListTodosQuery>;

export const ListTodosResponse = Type.Object(
  {
    items: Type.Array(Todo),
    nextCursor: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);
export type ListTodosResponse = Static<typeof ListTodosResponse>;

export const CreateTodoBody = Type.Object({ title: TodoTitle }, { additionalProperties: false });
export type CreateTodoBody = Static<typeof CreateTodoBody>;

export const UpdateTodoBody = Type.Object(
  { title: Type.Optional(TodoTitle), completed: Type.Optional(Type.Boolean()) },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateTodoBody = Static<typeof UpdateTodoBody>;

export const TodoParams = Type.Object({ id: TodoId }, { additionalProperties: false });
export type TodoParams = Static<typeof TodoParams>;

export const ErrorResponse = Type.Object(
  { error: Type.String(), message: Type.String() },
  { additionalProperties: false },
);
export type ErrorResponse = Static<typeof ErrorResponse>;
