-- Todos, listed newest first with keyset pagination on (created_at DESC, id DESC).
CREATE TABLE todos (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  title text NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
  completed boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- One index per list shape: all todos, and todos filtered by completed.
CREATE INDEX todos_created_at_id_idx ON todos (created_at DESC, id DESC);
CREATE INDEX todos_completed_created_at_id_idx ON todos (completed, created_at DESC, id DESC);
