import type { TodoStatus } from "../api/client.ts";
import styles from "./Todos.module.css";

const FILTERS: ReadonlyArray<{ value: TodoStatus; label: string }> = [
  { value: "all", label: "All" },
  { value: "active", label: "Active" },
  { value: "completed", label: "Completed" },
];

export function FilterBar({ value, onChange }: { value: TodoStatus; onChange(filter: TodoStatus): void }) {
  return (
    <fieldset className={styles.filters}>
      <legend className={styles.visuallyHidden}>Show</legend>
      {FILTERS.map((filter) => (
        <button
          key={filter.value}
          type="button"
          className={styles.filterButton}
          aria-pressed={value === filter.value}
          onClick={() => onChange(filter.value)}
        >
          {filter.label}
        </button>
      ))}
    </fieldset>
  );
}
