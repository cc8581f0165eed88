// The todo list's server state: one typed hook that owns loading, paging and every mutation.
import { useCallback, useEffect, useReducer, useRef } from "react";
import { useApi } from "../api/ApiContext.tsx";
import { ApiError, type Todo, type TodoStatus } from "../api/client.ts";
import { initialTodosState, type TodosState, todosReducer } from "./todosState.ts";

export const PAGE_SIZE = 20;

function messageOf(error: unknown): string {
  if (error instanceof Error && error.message) return error.message;
  return "Something went wrong";
}

export interface UseTodos extends TodosState {
  setFilter(filter: TodoStatus): void;
  retry(): void;
  loadMore(): Promise<void>;
  /** Resolves true when the todo was created, so the form knows to clear itself. */
  addTodo(title: string): Promise<boolean>;
  renameTodo(todo: Todo, title: string): Promise<boolean>;
  toggleTodo(todo: Todo): Promise<void>;
  deleteTodo(todo: Todo): Promise<void>;
}

export function useTodos(pageSize = PAGE_SIZE): UseTodos {
  const api = useApi();
  const [state, dispatch] = useReducer(todosReducer, initialTodosState);
  // Answers for a filter the user has already left must not land in the new list.
  const listVersion = useRef(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: reloadKey is the trigger retry() bumps to load again
  useEffect(() => {
    const version = ++listVersion.current;
    const controller = new AbortController();
    api.listTodos({ status: state.filter, limit: pageSize }, controller.signal).then(
      (page) => {
        if (version === listVersion.current) dispatch({ type: "loaded", ...page });
      },
      (error: unknown) => {
        if (version === listVersion.current && !controller.signal.aborted) {
          dispatch({ type: "load-failed", message: messageOf(error) });
        }
      },
    );
    return () => controller.abort();
  }, [api, pageSize, state.filter, state.reloadKey]);

  const { filter, nextCursor, loadingMore } = state;

  const loadMore = useCallback(async () => {
    if (!nextCursor || loadingMore) return;
    const version = listVersion.current;
    dispatch({ type: "more-started" });
    try {
      const page = await api.listTodos({ status: filter, limit: pageSize, cursor: nextCursor });
      if (version === listVersion.current) dispatch({ type: "more-loaded", ...page });
    } catch (error) {
      if (version === listVersion.current) {
        dispatch({ type: "action-failed", message: `Could not load more todos: ${messageOf(error)}` });
      }
    }
  }, [api, filter, loadingMore, nextCursor, pageSize]);

  const addTodo = useCallback(
    async (title: string) => {
      try {
        dispatch({ type: "added", todo: await api.createTodo({ title: title.trim() }) });
        return true;
      } catch (error) {
        dispatch({ type: "action-failed", message: `Could not add the todo: ${messageOf(error)}` });
        return false;
      }
    },
    [api],
  );

  const renameTodo = useCallback(
    async (todo: Todo, title: string) => {
      try {
        const updated = await api.updateTodo(todo.id, { title: title.trim() });
        dispatch({ type: "updated", todo: updated, announcement: `Renamed to “${updated.title}”` });
        return true;
      } catch (error) {
        dispatch({ type: "action-failed", message: `Could not rename “${todo.title}”: ${messageOf(error)}` });
        return false;
      }
    },
    [api],
  );

  const toggleTodo = useCallback(
    async (todo: Todo) => {
      try {
        const updated = await api.updateTodo(todo.id, { completed: !todo.completed });
        const announcement = `Marked “${updated.title}” as ${updated.completed ? "completed" : "active"}`;
        dispatch({ type: "updated", todo: updated, announcement });
      } catch (error) {
        dispatch({ type: "action-failed", message: `Could not update “${todo.title}”: ${messageOf(error)}` });
      }
    },
    [api],
  );

  const deleteTodo = useCallback(
    async (todo: Todo) => {
      try {
        await api.deleteTodo(todo.id);
      } catch (error) {
        // Already gone on the server (another tab deleted it): the user's intent is met.
        if (!(error instanceof ApiError && error.status === 404)) {
          dispatch({ type: "action-failed", message: `Could not delete “${todo.title}”: ${messageOf(error)}` });
          return;
        }
      }
      dispatch({ type: "removed", id: todo.id, announcement: `Deleted “${todo.title}”` });
    },
    [api],
  );

  const setFilter = useCallback((next: TodoStatus) => dispatch({ type: "filter", filter: next }), []);
  const retry = useCallback(() => dispatch({ type: "retry" }), []);

  return { ...state, setFilter, retry, loadMore, addTodo, renameTodo, toggleTodo, deleteTodo };
}
