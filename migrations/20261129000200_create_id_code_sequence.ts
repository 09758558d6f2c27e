/**
 * One counter for the ID codes of every kind of object: a code is a keyed permutation of a value
 * drawn from this sequence, so codes are unique across parts, locations, lots, projects and builds.
 * Transaction: yes. Reversible: yes.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // 2^45 values fit in a code; stop well before so the permutation's domain is never exceeded.
  await knex.raw('CREATE SEQUENCE id_code_seq AS bigint START 1 MAXVALUE 35184372088831 NO CYCLE');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP SEQUENCE id_code_seq');
}
