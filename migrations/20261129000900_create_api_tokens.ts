/** API tokens, stored as SHA-256 hashes, with a role. Transaction: yes. Reversible: yes. */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('api_tokens', (t) => {
    t.bigIncrements('id');
    t.text('name').notNullable();
    t.text('role').notNullable();
    t.text('token_hash').notNullable().unique();
    t.text('prefix').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_used_at', { useTz: true });
    t.timestamp('revoked_at', { useTz: true });
    t.check(`role IN ('viewer','operator','admin')`, [], 'api_tokens_role');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('api_tokens');
}
