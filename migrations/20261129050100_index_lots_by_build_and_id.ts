/**
 * Lots of a build in id order (replaces the plain build index): traces page through a build's units
 * from an index, and count them with an index-only scan. Transaction: yes. Reversible: yes.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX lots_build');
  await knex.raw('CREATE INDEX lots_build_id ON lots (build_id, id) WHERE build_id IS NOT NULL');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX lots_build_id');
  await knex.raw('CREATE INDEX lots_build ON lots (build_id) WHERE build_id IS NOT NULL');
}
