/**
 * Index for "was this consumed unit ever linked to a device of this build" — the trace_edges view
 * (from 20261129030400) asks it for every consumed lot, ended links included, which the partial
 * unique index on current links cannot answer. Transaction: yes. Reversible: yes.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX unit_links_child_parent_build ON unit_links (child_lot_id, parent_build_id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX unit_links_child_parent_build');
}
