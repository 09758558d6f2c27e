/**
 * Which component lots went into a build, and how much: the traceability record. `returned` counts
 * what a cancel gave back. Transaction: yes. Reversible: yes.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('build_consumptions', (t) => {
    t.bigIncrements('id');
    t.bigInteger('build_id').notNullable().references('builds.id').onDelete('RESTRICT');
    t.bigInteger('lot_id').notNullable().references('lots.id').onDelete('RESTRICT');
    t.bigInteger('part_id').notNullable().references('parts.id').onDelete('RESTRICT');
    t.integer('quantity').notNullable();
    t.integer('returned').notNullable().defaultTo(0);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check('quantity > 0', [], 'build_consumptions_quantity_positive');
    t.check('returned BETWEEN 0 AND quantity', [], 'build_consumptions_returned_range');
    t.index(['build_id']);
    t.index(['lot_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('build_consumptions');
}
