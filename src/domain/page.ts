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

/** Cursors encode the last seen id; they are opaque to clients (base64url). */
export function encodeCursor(lastId: number): string {
  return Buffer.from(`i:${lastId}`, 'utf8').toString('base64url');
}

/** The id after which the page starts, or undefined for the first page; null if the cursor is bad. */
export function decodeCursor(cursor: string | undefined): number | undefined | null {
  if (cursor === undefined || cursor === '') return undefined;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const m = /^i:(\d{1,15})$/.exec(text);
  return m ? Number(m[1]) : null;
}

/** Builds a page from `limit + 1` fetched rows (the extra row tells whether there is more). */
export function pageOf<T extends { id: number }>(rows: T[], limit: number): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(last.id) : null };
}
