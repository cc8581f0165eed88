import { type FormEvent, type KeyboardEvent, useEffect, useRef, useState } from "react";
import type { Todo } from "../api/client.ts";
import { TITLE_MAX_LENGTH } from "./limits.ts";
import styles from "./Todos.module.css";

export interface TodoItemProps {
  todo: Todo;
  onToggle(todo: Todo): Promise<void>;
  onRename(todo: Todo, title: string): Promise<boolean>;
  onDelete(todo: Todo): Promise<void>;
}

export function TodoItem({ todo, onToggle, onRename, onDelete }: TodoItemProps) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(todo.title);
  const editButton = useRef<HTMLButtonElement>(null);
  const wasEditing = useRef(false);

  // Keyboard users land back on the Edit button after saving or cancelling, not on <body>.
  useEffect(() => {
    if (wasEditing.current && !editing) editButton.current?.focus();
    wasEditing.current = editing;
  }, [editing]);

  function startEditing() {
    setDraft(todo.title);
    setEditing(true);
  }

  async function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (draft.trim() === "") return;
    if (draft.trim() === todo.title || (await onRename(todo, draft))) setEditing(false);
  }

  function cancelOnEscape(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === "Escape") setEditing(false);
  }

  if (editing) {
    return (
      <li className={styles.item}>
        <form className={styles.editForm} onSubmit={save}>
          <input
            className={styles.textInput}
            aria-label={`New title for ${todo.title}`}
            value={draft}
            onChange={(event) => setDraft(event.target.value)}
            onKeyDown={cancelOnEscape}
            maxLength={TITLE_MAX_LENGTH}
            // biome-ignore lint/a11y/noAutofocus: the user just asked to edit this field
            autoFocus
          />
          <button type="submit" className={styles.primaryButton} disabled={draft.trim() === ""}>
            Save
          </button>
          <button type="button" className={styles.textButton} onClick={() => setEditing(false)}>
            Cancel
          </button>
        </form>
      </li>
    );
  }

  return (
    <li className={styles.item} data-completed={todo.completed}>
      <label className={styles.itemLabel}>
        <input type="checkbox" checked={todo.completed} onChange={() => void onToggle(todo)} />
        <span className={styles.itemTitle}>{todo.title}</span>
      </label>
      <button
        ref={editButton}
        type="button"
        className={styles.iconButton}
        aria-label={`Edit ${todo.title}`}
        onClick={startEditing}
      >
        <span aria-hidden="true">✎</span>
      </button>
      <button
        type="button"
        className={styles.iconButton}
        aria-label={`Delete ${todo.title}`}
        onClick={() => void onDelete(todo)}
      >
        <span aria-hidden="true">✕</span>
      </button>
    </li>
  );
}
