/**
 * External identifiers of devices (#17): a MAC address, IMEI, ICCID, Bluetooth address, a
 * customer's asset tag … one row per (kind, value), the value as normalized (`domain/identifiers.ts`),
 * unique across devices. Looked up by value from search (any kind) and by device for its page.
 * Rows are deleted when an identifier is taken off a device; the device's history keeps both moves.
 * Transaction: yes. Reversible: yes (drops the identifiers; the history events stay).
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('lot_identifiers', (t) => {
    t.bigIncrements('id');
    t.bigInteger('lot_id').notNullable().references('id').inTable('lots').onDelete('RESTRICT');
    t.text('kind').notNullable();
    t.text('value').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('created_by').notNullable();
    t.unique(['kind', 'value'], { indexName: 'lot_identifiers_kind_value_unique' });
    t.check(`kind ~ '^[a-z][a-z0-9_-]{0,29}$'`, [], 'lot_identifiers_kind_format');
    t.check(`char_length(value) BETWEEN 1 AND 100`, [], 'lot_identifiers_value_length');
    t.index(['value'], 'lot_identifiers_value');
    t.index(['lot_id', 'kind'], 'lot_identifiers_lot');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('lot_identifiers');
}
