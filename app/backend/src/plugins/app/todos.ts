// Decorates the app with the todo repository (the only code that knows the SQL).
import fp from "fastify-plugin";
import { createTodoRepository, type TodoRepository } from "../../todo-repository.ts";

declare module "fastify" {
  interface FastifyInstance {
    todos: TodoRepository;
  }
}

export default fp(
  async (app) => {
    app.decorate("todos", createTodoRepository(app.db));
  },
  { name: "todos", dependencies: ["db"] },
);
