/**
 * Webhook endpoints: a subscriber URL, the event-type patterns it wants, its signing secrets (the
 * newest first; a rotated-out secret stays valid for a day so receivers can switch over) and its
 * health (failing since when, disabled and why). Transaction: yes. Reversible: yes.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('webhook_endpoints', (t) => {
    t.bigIncrements('id');
    t.text('url').notNullable();
    t.text('description');
    t.specificType('event_types', 'text[]').notNullable();
    t.jsonb('secrets').notNullable();
    t.text('status').notNullable().defaultTo('active');
    t.text('disabled_reason');
    t.timestamp('disabled_at', { useTz: true });
    t.timestamp('failing_since', { useTz: true });
    t.text('created_by').notNullable();
    t.timestamps(true, true);
    t.check(`status IN ('active','disabled')`, [], 'webhook_endpoints_status');
    t.check('cardinality(event_types) > 0', [], 'webhook_endpoints_event_types');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('webhook_endpoints');
}
