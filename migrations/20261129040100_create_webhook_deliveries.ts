/**
 * Webhook deliveries: one event to one endpoint, with the exact body sent on every attempt and the
 * `webhook-id` receivers deduplicate on. One delivery per (endpoint, event), so fanning an event out
 * twice delivers it once. Transaction: yes. Reversible: yes.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('webhook_deliveries', (t) => {
    t.bigIncrements('id');
    t.text('message_id').notNullable().unique();
    t.bigInteger('endpoint_id').notNullable().references('webhook_endpoints.id').onDelete('CASCADE');
    t.bigInteger('event_id').references('events.id').onDelete('RESTRICT');
    t.text('event_type').notNullable();
    t.text('body').notNullable();
    t.text('status').notNullable().defaultTo('pending');
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('next_attempt_at', { useTz: true });
    t.integer('last_status_code');
    t.timestamps(true, true);
    t.unique(['endpoint_id', 'event_id']);
    t.check(
      `status IN ('pending','retrying','succeeded','failed','cancelled')`,
      [],
      'webhook_deliveries_status',
    );
    t.index(['endpoint_id', 'id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('webhook_deliveries');
}
