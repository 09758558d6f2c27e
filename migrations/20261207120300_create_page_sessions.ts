/**
 * Signed-in pages (#17): one-time sign-in links a Slack user asks for (`/buildtrace login`), and the
 * sessions they (or a kiosk's API token) start. Only SHA-256 hashes of the secrets are kept: a
 * database dump signs nobody in. A session carries the actor it acts as (`slack:<user>`,
 * `kiosk:<token name>`), the role it was given at sign-in, its CSRF secret, an idle and an absolute
 * expiry, and `revoked_at`; `flash` holds the one message the next page shows ("Test result
 * recorded"), `station` what a scan station remembers between scans (workflow, tally, last unit).
 * Transaction: yes. Reversible: yes (every session and link is dropped).
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sign_in_links', (t) => {
    t.bigIncrements('id');
    t.text('secret_hash').notNullable().unique();
    t.text('slack_user').notNullable();
    t.text('role').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('used_at', { useTz: true });
    t.check(`role IN ('viewer', 'operator', 'admin')`, [], 'sign_in_links_role');
  });
  await knex.schema.createTable('page_sessions', (t) => {
    t.bigIncrements('id');
    t.text('secret_hash').notNullable().unique();
    t.text('kind').notNullable();
    t.text('actor').notNullable();
    t.text('role').notNullable();
    t.text('slack_user');
    t.bigInteger('token_id').references('id').inTable('api_tokens').onDelete('CASCADE');
    t.text('csrf_secret').notNullable();
    t.text('user_agent');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_seen_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('revoked_at', { useTz: true });
    t.text('flash');
    t.jsonb('station');
    t.check(`kind IN ('person', 'kiosk')`, [], 'page_sessions_kind');
    t.check(`role IN ('viewer', 'operator', 'admin')`, [], 'page_sessions_role');
    t.index(['slack_user']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('page_sessions');
  await knex.schema.dropTable('sign_in_links');
}
