/**
 * Slack users and their buildtrace role (viewer, operator, admin), managed by admins through the
 * API and CLI. A Slack user not listed gets the role SLACK_UNKNOWN_USER_ROLE names.
 * Transaction: yes. Reversible: yes.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('slack_users', (t) => {
    t.bigIncrements('id');
    t.text('slack_user_id').notNullable().unique();
    t.text('role').notNullable();
    t.text('name');
    t.text('updated_by').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check(`role IN ('viewer','operator','admin')`, [], 'slack_users_role');
    t.check(`slack_user_id ~ '^[UW][A-Z0-9]{2,30}$'`, [], 'slack_users_id_shape');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('slack_users');
}
