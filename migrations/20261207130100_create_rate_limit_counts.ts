/**
 * Rate-limit counts shared by every web process when there is no Redis (#19): one row per limiter
 * key — hits in the current window and when that window ends. Rows whose window has ended are
 * reset by the next hit and swept by the web processes. UNLOGGED: the counts are worth no WAL
 * (a crash forgets them, which only gives every caller a fresh minute) and are not replicated.
 * Transaction: yes. Reversible: yes (the counts are dropped).
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE UNLOGGED TABLE rate_limit_counts (
      key text PRIMARY KEY,
      hits integer NOT NULL,
      resets_at timestamptz NOT NULL
    )`);
  await knex.raw('CREATE INDEX rate_limit_counts_resets_at ON rate_limit_counts (resets_at)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('rate_limit_counts');
}
