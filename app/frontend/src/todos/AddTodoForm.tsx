import { type FormEvent, useState } from "react";
import { TITLE_MAX_LENGTH } from "./limits.ts";
import styles from "./Todos.module.css";

export function AddTodoForm({ onAdd }: { onAdd(title: string): Promise<boolean> }) {
  const [title, setTitle] = useState("");
  const [saving, setSaving] = useState(false);
  const blank = title.trim() === "";

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (blank || saving) return;
    setSaving(true);
    const added = await onAdd(title);
    setSaving(false);
    if (added) setTitle("");
  }

  return (
    <form className={styles.addForm} onSubmit={submit} aria-label="Add a todo">
      <label htmlFor="new-todo-title" className={styles.visuallyHidden}>
        New todo
      </label>
      <input
        id="new-todo-title"
        className={styles.textInput}
        value={title}
        onChange={(event) => setTitle(event.target.value)}
        placeholder="What needs doing?"
        maxLength={TITLE_MAX_LENGTH}
        autoComplete="off"
      />
      <button type="submit" className={styles.primaryButton} disabled={blank || saving}>
        Add
      </button>
    </form>
  );
}
