/**
 * Per-part counters for formatted serials: a build reserves a block at start, and values are never
 * handed out again, even after a cancel. Transaction: yes. Reversible: yes.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('serial_counters', (t) => {
    t.bigInteger('part_id').primary().references('parts.id').onDelete('RESTRICT');
    t.bigInteger('next_seq').notNullable().defaultTo(1);
    t.check('next_seq >= 1', [], 'serial_counters_positive');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('serial_counters');
}
