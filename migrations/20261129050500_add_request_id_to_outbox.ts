/**
 * The request id that caused an event or a job request, so a job's log lines carry the id of the
 * HTTP request (or Slack command) behind it. Transaction: yes. Reversible: yes.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('job_outbox', (t) => {
    t.text('request_id');
  });
  await knex.schema.alterTable('events', (t) => {
    t.text('request_id');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('job_outbox', (t) => {
    t.dropColumn('request_id');
  });
  await knex.schema.alterTable('events', (t) => {
    t.dropColumn('request_id');
  });
}
