// Pure state transitions for the todo list, kept apart from React so each branch is plain data.
import type { Todo, TodoStatus } from "../api/client.ts";

export type LoadStatus = "loading" | "error" | "success";

export interface TodosState {
  filter: TodoStatus;
  status: LoadStatus;
  items: Todo[];
  nextCursor: string | null;
  loadingMore: boolean;
  /** Why the list could not be loaded (status "error"). */
  loadError: string | null;
  /** Why the last add/edit/toggle/delete/load-more failed; the list stays as it was. */
  actionError: string | null;
  /** Short polite message for the status region after a change. */
  announcement: string;
  /** Bumped by retry() so the list loads again with the same filter. */
  reloadKey: number;
}

export type TodosAction =
  | { type: "filter"; filter: TodoStatus }
  | { type: "retry" }
  | { type: "loaded"; items: Todo[]; nextCursor: string | null }
  | { type: "load-failed"; message: string }
  | { type: "more-started" }
  | { type: "more-loaded"; items: Todo[]; nextCursor: string | null }
  | { type: "action-failed"; message: string }
  | { type: "added"; todo: Todo }
  | { type: "updated"; todo: Todo; announcement: string }
  | { type: "removed"; id: string; announcement: string };

export const initialTodosState: TodosState = {
  filter: "all",
  status: "loading",
  items: [],
  nextCursor: null,
  loadingMore: false,
  loadError: null,
  actionError: null,
  announcement: "",
  reloadKey: 0,
};

/** Whether a todo belongs in the list under the given filter. */
export function matchesFilter(todo: Todo, filter: TodoStatus): boolean {
  if (filter === "all") return true;
  return filter === "completed" ? todo.completed : !todo.completed;
}

function loadingState(state: TodosState, filter: TodoStatus, reloadKey: number): TodosState {
  return { ...initialTodosState, filter, reloadKey, announcement: state.announcement };
}

export function todosReducer(state: TodosState, action: TodosAction): TodosState {
  switch (action.type) {
    case "filter":
      return action.filter === state.filter ? state : loadingState(state, action.filter, state.reloadKey);
    case "retry":
      return loadingState(state, state.filter, state.reloadKey + 1);
    case "loaded":
      return { ...state, status: "success", items: action.items, nextCursor: action.nextCursor, loadError: null };
    case "load-failed":
      return { ...state, status: "error", items: [], nextCursor: null, loadError: action.message };
    case "more-started":
      return { ...state, loadingMore: true, actionError: null };
    case "more-loaded": {
      // A todo added since the first page can come round again on a later one: keep one copy.
      const seen = new Set(state.items.map((todo) => todo.id));
      const fresh = action.items.filter((todo) => !seen.has(todo.id));
      return { ...state, loadingMore: false, items: [...state.items, ...fresh], nextCursor: action.nextCursor };
    }
    case "action-failed":
      return { ...state, loadingMore: false, actionError: action.message };
    case "added": {
      const items = matchesFilter(action.todo, state.filter) ? [action.todo, ...state.items] : state.items;
      return { ...state, items, actionError: null, announcement: `Added “${action.todo.title}”` };
    }
    case "updated": {
      const items = state.items
        .map((todo) => (todo.id === action.todo.id ? action.todo : todo))
        .filter((todo) => matchesFilter(todo, state.filter));
      return { ...state, items, actionError: null, announcement: action.announcement };
    }
    case "removed":
      return {
        ...state,
        items: state.items.filter((todo) => todo.id !== action.id),
        actionError: null,
        announcement: action.announcement,
      };
    default: {
      const unreachable: never = action;
      return unreachable;
    }
  }
}
