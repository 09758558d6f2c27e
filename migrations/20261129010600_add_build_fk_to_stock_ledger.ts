/** Ledger entries name the build that caused them. Transaction: yes. Reversible: yes. */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('stock_ledger', (t) => {
    t.foreign('build_id', 'stock_ledger_build_fk').references('builds.id').onDelete('RESTRICT');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('stock_ledger', (t) => {
    t.dropForeign('build_id', 'stock_ledger_build_fk');
  });
}
