/**
 * Links grouped by the child's and the parent's builds, carrying the lots and the end time: a trace
 * that reached a whole build finds the devices holding its units with an index-only scan.
 * Transaction: yes. Reversible: yes.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX unit_links_child_build_id_parent_lot_id_index');
  await knex.raw(
    'CREATE INDEX unit_links_by_builds ON unit_links (child_build_id, parent_build_id, parent_lot_id) INCLUDE (child_lot_id, removed_at)',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX unit_links_by_builds');
  await knex.raw(
    'CREATE INDEX unit_links_child_build_id_parent_lot_id_index ON unit_links (child_build_id, parent_lot_id)',
  );
}
