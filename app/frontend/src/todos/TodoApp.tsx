import { AddTodoForm } from "./AddTodoForm.tsx";
import { FilterBar } from "./FilterBar.tsx";
import { TodoItem } from "./TodoItem.tsx";
import styles from "./Todos.module.css";
import { useTodos } from "./useTodos.ts";

const EMPTY_MESSAGES = {
  all: "Nothing to do yet. Add your first todo above.",
  active: "No active todos.",
  completed: "No completed todos yet.",
} as const;

export function TodoApp({ pageSize }: { pageSize?: number }) {
  const todos = useTodos(pageSize);

  return (
    <main className={styles.app}>
      <h1 className={styles.title}>Todos</h1>
      <AddTodoForm onAdd={todos.addTodo} />
      <FilterBar value={todos.filter} onChange={todos.setFilter} />

      <p role="status" className={styles.status}>
        {todos.status === "loading" ? "Loading todos…" : todos.announcement}
      </p>
      {todos.actionError && (
        <p role="alert" className={styles.error}>
          {todos.actionError}
        </p>
      )}

      {todos.status === "error" && (
        <div role="alert" className={styles.error}>
          <p>Could not load todos: {todos.loadError}</p>
          <button type="button" className={styles.textButton} onClick={todos.retry}>
            Try again
          </button>
        </div>
      )}

      {todos.status === "success" && todos.items.length === 0 && (
        <p className={styles.empty}>{EMPTY_MESSAGES[todos.filter]}</p>
      )}

      {todos.status === "success" && todos.items.length > 0 && (
        <ul className={styles.list} aria-label="Todos">
          {todos.items.map((todo) => (
            <TodoItem
              key={todo.id}
              todo={todo}
              onToggle={todos.toggleTodo}
              onRename={todos.renameTodo}
              onDelete={todos.deleteTodo}
            />
          ))}
        </ul>
      )}

      {todos.status === "success" && todos.nextCursor && (
        <button
          type="button"
          className={styles.loadMore}
          onClick={() => void todos.loadMore()}
          disabled={todos.loadingMore}
        >
          {todos.loadingMore ? "Loading more…" : "Load more"}
        </button>
      )}
    </main>
  );
}
