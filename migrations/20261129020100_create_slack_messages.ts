/**
 * Slack messages buildtrace posts, keyed by what they represent (`build:<code>` — a build's message,
 * `build:<code>:completed` — its completion reply, `labels:<run>` — a label PDF upload). A message is
 * posted only while its row has no `ts` (or file), and later jobs update it, so it is never posted
 * twice; `lease_until` lets one job at a time talk to Slack about it, and `uncertain_since` marks an
 * attempt whose outcome is unknown (a timeout, a 5xx, a crash) so the next one looks before posting.
 * Transaction: yes. Reversible: yes.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('slack_messages', (t) => {
    t.bigIncrements('id');
    t.text('subject').notNullable().unique();
    t.text('kind').notNullable();
    t.text('channel').notNullable();
    t.bigInteger('build_id').references('builds.id').onDelete('CASCADE');
    t.bigInteger('label_run_id').references('label_runs.id').onDelete('CASCADE');
    t.bigInteger('parent_id').references('slack_messages.id').onDelete('CASCADE');
    t.text('requested_by').notNullable();
    t.text('ts');
    t.text('file_id');
    t.text('content_hash');
    t.timestamp('posted_at', { useTz: true });
    t.timestamp('updated_at', { useTz: true });
    t.timestamp('lease_until', { useTz: true });
    t.text('lease_owner');
    t.timestamp('uncertain_since', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check(`kind IN ('build','reply','upload')`, [], 'slack_messages_kind');
    t.index(['build_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('slack_messages');
}
