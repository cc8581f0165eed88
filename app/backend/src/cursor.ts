// Opaque keyset cursor: base64url of `<created_at with microseconds>|<uuid>` of the last row of a
// page. Microseconds matter: a millisecond-rounded timestamp would skip or repeat rows that share
// a millisecond. The id breaks ties between rows created in the same microsecond.
const CURSOR_PATTERN =
  /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)\|([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

export interface CursorPosition {
  /** created_at as Postgres text, UTC with 6 fractional digits. */
  createdAt: string;
  id: string;
}

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(`${position.createdAt}|${position.id}`, "utf8").toString("base64url");
}

/** The decoded position, or undefined when the cursor was not produced by encodeCursor. */
export function decodeCursor(cursor: string): CursorPosition | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  const match = CURSOR_PATTERN.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  if (!match?.[1] || !match[2]) return undefined;
  if (Number.isNaN(Date.parse(match[1]))) return undefined;
  return { createdAt: match[1], id: match[2] };
}
