/**
 * Lots: quantities of one part kept apart (lot control). Quantities are whole numbers and never
 * negative — enforced here as well as in the commands. Transaction: yes. Reversible: yes.
 */
import type { Knex } from 'knex';

const STATUSES = `'in_production','available','quarantined','shipped','scrapped','returned','disposed'`;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('lots', (t) => {
    t.bigIncrements('id');
    t.text('code').notNullable().unique();
    t.bigInteger('part_id').notNullable().references('parts.id').onDelete('RESTRICT');
    t.bigInteger('location_id').references('locations.id').onDelete('RESTRICT');
    t.integer('quantity').notNullable();
    t.text('status').notNullable();
    t.text('status_before_quarantine');
    t.text('source').notNullable();
    t.text('supplier');
    t.text('supplier_order');
    t.text('date_code');
    t.date('expires_on');
    t.jsonb('fields').notNullable().defaultTo('{}');
    t.bigInteger('parent_lot_id').references('lots.id').onDelete('RESTRICT');
    t.timestamps(true, true);
    t.check(`code ~ '^[0-9A-HJKMNP-TV-Z]{10}$'`, [], 'lots_code_format');
    t.check('quantity >= 0', [], 'lots_quantity_not_negative');
    t.check(`status IN (${STATUSES})`, [], 'lots_status');
    t.check(
      `status_before_quarantine IS NULL OR status_before_quarantine IN (${STATUSES})`,
      [],
      'lots_status_before_quarantine',
    );
    t.index(['part_id', 'status']);
    t.index(['location_id']);
    t.index(['parent_lot_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('lots');
}
