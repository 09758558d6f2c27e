/**
 * Indexes for search (#17): a part by the start of its MPN (any case), lots by supplier order (any
 * case) and by date code, each an exact or prefix match an index answers on a year of production.
 * (Names of parts, projects and locations are matched as substrings: those catalogues stay small,
 * and a trigram index would need an extension not every PostgreSQL has.)
 * Built CONCURRENTLY, so receiving stock is not held up on a large lots table.
 * Transaction: no (CREATE INDEX CONCURRENTLY cannot run in one; an index a failed run left invalid
 * is dropped and built again on the next). Reversible: yes.
 */
import type { Knex } from 'knex';

export const config = { transaction: false };

const INDEXES: Record<string, string> = {
  parts_mpn_upper_prefix: 'parts (upper(mpn) text_pattern_ops) WHERE mpn IS NOT NULL',
  lots_supplier_order_upper: 'lots (upper(supplier_order)) WHERE supplier_order IS NOT NULL',
  lots_date_code: 'lots (date_code) WHERE date_code IS NOT NULL',
};

export async function up(knex: Knex): Promise<void> {
  for (const [name, definition] of Object.entries(INDEXES)) {
    await knex.raw(`DROP INDEX CONCURRENTLY IF EXISTS ${name}`);
    await knex.raw(`CREATE INDEX CONCURRENTLY ${name} ON ${definition}`);
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const name of Object.keys(INDEXES)) await knex.raw(`DROP INDEX CONCURRENTLY IF EXISTS ${name}`);
}
