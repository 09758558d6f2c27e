/**
 * The event outbox: events are written in the same transaction as the change that caused them and
 * relayed to the queues afterwards (relayed_at). Each stream (a build, a lot) numbers its events.
 * An insert notifies `buildtrace_outbox` so the relay wakes at once. Transaction: yes. Reversible: yes.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('events', (t) => {
    t.bigIncrements('id');
    t.text('type').notNullable();
    t.text('stream').notNullable();
    t.integer('sequence').notNullable();
    t.jsonb('data').notNullable();
    t.timestamp('occurred_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('relayed_at', { useTz: true });
    t.unique(['stream', 'sequence']);
    t.index(['type', 'id']);
  });
  await knex.raw(`
    CREATE INDEX events_unrelayed ON events (id) WHERE relayed_at IS NULL;
    CREATE FUNCTION notify_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('buildtrace_outbox', TG_TABLE_NAME);
      RETURN NULL;
    END $$;
    CREATE TRIGGER events_notify AFTER INSERT ON events FOR EACH STATEMENT EXECUTE FUNCTION notify_outbox();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('events');
  await knex.raw('DROP FUNCTION notify_outbox()');
}
