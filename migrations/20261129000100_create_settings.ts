/**
 * Installation-wide settings, including the secret key that permutes ID codes.
 * Transaction: yes. Reversible: yes (drops the settings; ID codes already issued stay valid but new
 * ones would use a new key).
 */
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('settings', (t) => {
    t.text('key').primary();
    t.jsonb('value').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex('settings').insert({
    key: 'id_code_key',
    value: JSON.stringify(randomBytes(32).toString('hex')),
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('settings');
}
