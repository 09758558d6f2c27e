/**
 * Jobs requested by commands, written in the command's transaction and handed to BullMQ by the relay
 * (with the row's job id, so a second hand-over is a no-op). Transaction: yes. Reversible: yes.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('job_outbox', (t) => {
    t.bigIncrements('id');
    t.text('name').notNullable();
    t.text('job_id').notNullable().unique();
    t.jsonb('data').notNullable();
    t.integer('delay_ms').notNullable().defaultTo(0);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('relayed_at', { useTz: true });
  });
  await knex.raw(`
    CREATE INDEX job_outbox_unrelayed ON job_outbox (id) WHERE relayed_at IS NULL;
    CREATE TRIGGER job_outbox_notify AFTER INSERT ON job_outbox FOR EACH STATEMENT EXECUTE FUNCTION notify_outbox();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('job_outbox');
}
