// /api/todos: list (keyset-paginated), create, update, delete. Schemas come from @todo/api, the
// contract shared with the frontend.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import {
  CreateTodoBody,
  ErrorResponse,
  LIST_LIMIT_DEFAULT,
  ListTodosQuery,
  ListTodosResponse,
  Todo,
  TodoParams,
  UpdateTodoBody,
} from "@todo/api";
import { Type } from "typebox";
import { decodeCursor } from "../../cursor.ts";

const notFound = (id: string) => ({ error: "Not Found", message: `todo ${id} not found` });

const todoRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    "/",
    { schema: { querystring: ListTodosQuery, response: { 200: ListTodosResponse, 400: ErrorResponse } } },
    async (request, reply) => {
      const { status = "all", limit = LIST_LIMIT_DEFAULT, cursor } = request.query;
      const after = cursor === undefined ? undefined : decodeCursor(cursor);
      if (cursor !== undefined && !after) {
        return reply.code(400).send({ error: "Bad Request", message: "query.cursor is not a valid cursor" });
      }
      return app.todos.list({ status, limit, after });
    },
  );

  app.post(
    "/",
    { schema: { body: CreateTodoBody, response: { 201: Todo, 400: ErrorResponse } } },
    async (request, reply) => reply.code(201).send(await app.todos.create(request.body.title.trim())),
  );

  app.patch(
    "/:id",
    {
      schema: {
        params: TodoParams,
        body: UpdateTodoBody,
        response: { 200: Todo, 400: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (request, reply) => {
      const { title, completed } = request.body;
      const todo = await app.todos.update(request.params.id, { title: title?.trim(), completed });
      return todo ?? reply.code(404).send(notFound(request.params.id));
    },
  );

  app.delete(
    "/:id",
    { schema: { params: TodoParams, response: { 204: Type.Null(), 400: ErrorResponse, 404: ErrorResponse } } },
    async (request, reply) => {
      const removed = await app.todos.remove(request.params.id);
      return removed ? reply.code(204).send(null) : reply.code(404).send(notFound(request.params.id));
    },
  );
};

export default todoRoutes;
