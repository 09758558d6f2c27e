/** Why a recall report could not be written (a worker gave up on it). Transaction: yes. Reversible: yes. */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('recalls', (t) => {
    t.text('error');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('recalls', (t) => {
    t.dropColumn('error');
  });
}
