/** Recall reports: a forward trace written to a CSV by a worker. Transaction: yes. Reversible: yes. */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('recalls', (t) => {
    t.bigIncrements('id');
    t.bigInteger('lot_id').notNullable().references('lots.id').onDelete('RESTRICT');
    t.jsonb('filter').notNullable().defaultTo('{}');
    t.text('reason').notNullable();
    t.text('status').notNullable().defaultTo('queued');
    t.integer('devices');
    t.text('file_key');
    t.text('requested_by').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('finished_at', { useTz: true });
    t.check(`status IN ('queued','done','failed')`, [], 'recalls_status');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('recalls');
}
