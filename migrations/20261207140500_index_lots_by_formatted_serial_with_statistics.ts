/**
 * The formatted-serial index without its `WHERE serial_label IS NOT NULL` (#19, found by
 * bench/scale.ts). The planner ignores the statistics of a partial index's expression, so it
 * guessed that `upper(serial_label) = …` matches 0.5 % of all lots and, for a lookup ordered by id
 * with a LIMIT (`GET /api/v1/lots?serial=`, a serial typed on the lookup page), walked the primary key
 * filtering every lot instead: 1.5 s per lookup at 200,000 devices, against 7 ms by this index. A
 * whole index has its expression's statistics gathered by ANALYZE (on every supported PostgreSQL;
 * `CREATE STATISTICS` on an expression needs 14), and the lots without a serial are the component
 * lots, a small share. Built CONCURRENTLY before the partial one is dropped, so a serial lookup always
 * has an index and writes are not held up on a large lots table.
 * Transaction: no (CREATE INDEX CONCURRENTLY cannot run in one; an index a failed run left invalid is
 * dropped and built again on the next). Reversible: yes (the partial index again).
 */
import type { Knex } from 'knex';

export const config = { transaction: false };

export async function up(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX CONCURRENTLY IF EXISTS lots_serial_label_upper_all');
  await knex.raw('CREATE INDEX CONCURRENTLY lots_serial_label_upper_all ON lots (upper(serial_label))');
  await knex.raw('DROP INDEX CONCURRENTLY IF EXISTS lots_serial_label_upper');
  await knex.raw('ANALYZE lots');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX CONCURRENTLY IF EXISTS lots_serial_label_upper');
  await knex.raw(
    'CREATE INDEX CONCURRENTLY lots_serial_label_upper ON lots (upper(serial_label)) WHERE serial_label IS NOT NULL',
  );
  await knex.raw('DROP INDEX CONCURRENTLY IF EXISTS lots_serial_label_upper_all');
}
