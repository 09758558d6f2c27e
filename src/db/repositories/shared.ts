import type { Knex } from 'knex';
import { decodeCursor, pageOf, type Page, type PageRequest } from '../../domain/page.ts';
import { ValidationError } from '../../domain/errors.ts';

/** Applies cursor pagination (ascending ids) to a query and builds the page. */
export async function paginate<Row extends { id: number }, T extends { id: number }>(
  query: Knex.QueryBuilder,
  idColumn: string,
  page: PageRequest,
  map: (row: Row) => T,
): Promise<Page<T>> {
  const after = decodeCursor(page.cursor);
  if (after === null) throw ValidationError.field('cursor', 'is not a cursor this API issued');
  if (after !== undefined) query.where(idColumn, '>', after);
  const rows = (await query.orderBy(idColumn, 'asc').limit(page.limit + 1)) as Row[];
  return pageOf(rows.map(map), page.limit);
}

/** Drops keys whose value is undefined, so a patch only touches what was given. */
export function defined<T extends Record<string, unknown>>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export const json = (value: unknown) => JSON.stringify(value);
