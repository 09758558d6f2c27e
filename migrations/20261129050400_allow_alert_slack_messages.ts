/**
 * Slack messages of kind 'alert': direct messages to admins (e.g. a webhook endpoint was disabled).
 * Transaction: yes. Reversible: yes (fails while alert rows exist).
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE slack_messages DROP CONSTRAINT slack_messages_kind;
    ALTER TABLE slack_messages ADD CONSTRAINT slack_messages_kind CHECK (kind IN ('build','reply','upload','alert'));
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE slack_messages DROP CONSTRAINT slack_messages_kind;
    ALTER TABLE slack_messages ADD CONSTRAINT slack_messages_kind CHECK (kind IN ('build','reply','upload'));
  `);
}
