/**
 * The printer resolution a label run is rendered at (e.g. 300 for a 300 dpi Zebra head). Null on
 * runs requested before this column existed: they render at their template's default resolution,
 * which is what they were requested with.
 * Transaction: yes. Reversible: yes (runs requested since then lose their resolution
 * and would render again at their template's default).
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('label_runs', (t) => {
    t.integer('dpi');
    t.check('dpi IS NULL OR dpi BETWEEN 72 AND 2400', [], 'label_runs_dpi');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('label_runs', (t) => {
    t.dropColumn('dpi'); // and its check with it
  });
}
