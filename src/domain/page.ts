/** Cursor pagination: a page of items plus an opaque cursor for the next page (null at the end). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface PageRequest {
  limit: number;
  /** Opaque cursor from a previous page. */
  cursor?: string | undefined;
}

/**
 * Cursors encode the last seen id; they are opaque to clients, and have exactly this form (the
 * document's `pattern`): `c` and the id in base 36. The empty cursor is the first page.
 */
export const CURSOR_PATTERN = '^(c[0-9a-z]{1,10})?$';

export function encodeCursor(lastId: number): string {
  return `c${lastId.toString(36)}`;
}

/** The id after which the page starts, or undefined for the first page; null if the cursor is bad. */
export function decodeCursor(cursor: string | undefined): number | undefined | null {
  if (cursor === undefined || cursor === '') return undefined;
  if (!new RegExp(CURSOR_PATTERN).test(cursor)) return null;
  const id = parseInt(cursor.slice(1), 36);
  return Number.isSafeInteger(id) ? id : null;
}

/** Builds a page from `limit + 1` fetched rows (the extra row tells whether there is more). */
export function pageOf<T extends { id: number }>(rows: T[], limit: number): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(last.id) : null };
}
