import type { Knex } from 'knex';
import type { LockableTable, RowLocks } from '../../commands/ports.ts';

const TABLES: ReadonlySet<LockableTable> = new Set([
  'parts',
  'locations',
  'lots',
  'projects',
  'webhook_endpoints',
  'slack_users',
]);

export function rowLocks(db: Knex | Knex.Transaction): RowLocks {
  return {
    async forUpdate(table, id) {
      // The name is checked against the list, never taken from a request.
      if (!TABLES.has(table)) throw new Error(`rows of ${table} cannot be locked`);
      const row = await db(table).where({ id }).forUpdate().first('id');
      return row !== undefined;
    },
  };
}
