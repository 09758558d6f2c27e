/**
 * Shipments (the pack & ship station): `shipments`, one per box for a customer, open while packed
 * and then shipped; `shipment_units`, the devices scanned into it. A unit row is `packed` while its
 * shipment is open, `removed` when taken out again (kept, with who and when), and `shipped` once its
 * shipment shipped. A device is packed in at most one shipment at a time (a partial unique index on
 * the packed rows); a device that comes back and is restocked can be packed into another shipment.
 * Shipments have no ID code: people know them by their number, `SH-` and the id (`SH-000123`).
 * Transaction: yes. Reversible: yes (drops both tables; the devices' `shipped` history stays).
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('shipments', (t) => {
    t.bigIncrements('id');
    t.text('customer').notNullable();
    t.text('order_ref');
    t.text('note');
    t.text('status').notNullable().defaultTo('open');
    t.text('created_by').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.date('shipped_on');
    t.timestamp('shipped_at', { useTz: true });
    t.text('shipped_by');
    t.check(`status IN ('open','shipped')`, [], 'shipments_status');
    t.check(`(status = 'shipped') = (shipped_at IS NOT NULL)`, [], 'shipments_shipped_at');
    t.index(['status', 'id']);
  });
  await knex.raw('CREATE INDEX shipments_customer ON shipments (lower(customer), id)');

  await knex.schema.createTable('shipment_units', (t) => {
    t.bigIncrements('id');
    t.bigInteger('shipment_id').notNullable().references('id').inTable('shipments').onDelete('CASCADE');
    t.bigInteger('lot_id').notNullable().references('id').inTable('lots').onDelete('RESTRICT');
    t.text('state').notNullable().defaultTo('packed');
    t.text('added_by').notNullable();
    t.timestamp('added_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('removed_by');
    t.timestamp('removed_at', { useTz: true });
    t.check(`state IN ('packed','removed','shipped')`, [], 'shipment_units_state');
    t.check(`(state = 'removed') = (removed_at IS NOT NULL)`, [], 'shipment_units_removed_at');
    t.index(['shipment_id', 'id']);
    t.index(['lot_id']);
  });
  // One shipment per device at a time: at most one packed row per device.
  await knex.raw(
    `CREATE UNIQUE INDEX shipment_units_one_packed_per_lot ON shipment_units (lot_id) WHERE state = 'packed'`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('shipment_units');
  await knex.schema.dropTable('shipments');
}
