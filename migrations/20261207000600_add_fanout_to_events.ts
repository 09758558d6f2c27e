/**
 * Events remember the fan-out job that carries them (`fanout_job`, set by the relay) and when their
 * fan-out was done (`fanned_out_at`), so the reconciler can find events whose fan-out job was lost
 * with the queue. `fanout_error` says why a fan-out was given up. Events relayed before this are
 * taken as fanned out. Transaction: yes. Reversible: yes.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('events', (t) => {
    t.text('fanout_job');
    t.timestamp('fanned_out_at', { useTz: true });
    t.text('fanout_error');
  });
  await knex.raw(`
    UPDATE events SET fanned_out_at = relayed_at WHERE relayed_at IS NOT NULL;
    CREATE INDEX events_fanout_pending ON events (id) WHERE relayed_at IS NOT NULL AND fanned_out_at IS NULL;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX events_fanout_pending');
  await knex.schema.alterTable('events', (t) => {
    t.dropColumns('fanout_job', 'fanned_out_at', 'fanout_error');
  });
}
