/**
 * GS1 device labels (#16): a part's GTIN (`parts.gtin`, kept as GTIN-14 so that one product never
 * counts as two; unique among the parts that have one) and which 2D code a label run prints
 * (`label_runs.symbol`: 'url', the QR/DataMatrix of `<public_url>/id/<code>` every run printed so
 * far, or 'gs1', a GS1 DataMatrix of the unit's UDI). Existing runs become 'url', as they were.
 * Transaction: yes. Reversible: yes (the GTINs and the runs' symbols are dropped).
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('parts', (t) => {
    t.text('gtin');
    t.check(`gtin ~ '^[0-9]{14}$'`, [], 'parts_gtin_format');
  });
  await knex.raw('CREATE UNIQUE INDEX parts_gtin_unique ON parts (gtin) WHERE gtin IS NOT NULL');
  await knex.schema.alterTable('label_runs', (t) => {
    t.text('symbol').notNullable().defaultTo('url');
    t.check(`symbol IN ('url', 'gs1')`, [], 'label_runs_symbol');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('label_runs', (t) => {
    t.dropChecks(['label_runs_symbol']);
    t.dropColumn('symbol');
  });
  await knex.raw('DROP INDEX parts_gtin_unique');
  await knex.schema.alterTable('parts', (t) => {
    t.dropChecks(['parts_gtin_format']);
    t.dropColumn('gtin');
  });
}
