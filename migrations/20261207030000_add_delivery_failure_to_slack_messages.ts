/**
 * Slack messages remember the response_url of the request that asked for them (a build's message,
 * a label PDF), and why Slack refused to take one (`not_in_channel`, `channel_not_found` …), so the
 * person is told and the build or label run shows it.
 * Transaction: yes. Reversible: yes.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('slack_messages', (t) => {
    t.text('response_url');
    t.timestamp('failed_at', { useTz: true });
    t.text('error');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('slack_messages', (t) => {
    t.dropColumn('response_url');
    t.dropColumn('failed_at');
    t.dropColumn('error');
  });
}
