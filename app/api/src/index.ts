export * from "./todo.ts";
