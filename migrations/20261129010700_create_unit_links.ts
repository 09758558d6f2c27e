/**
 * Unit-to-unit genealogy: which serialized sub-assembly unit (child) sits in which device (parent).
 * A child is in at most one device at a time; a repair ends a link (removed_at) rather than deleting
 * it. The child's and parent's builds are kept on the row so traces can work build by build.
 * Transaction: yes. Reversible: yes.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('unit_links', (t) => {
    t.bigIncrements('id');
    t.bigInteger('parent_lot_id').notNullable().references('lots.id').onDelete('RESTRICT');
    t.bigInteger('child_lot_id').notNullable().references('lots.id').onDelete('RESTRICT');
    t.bigInteger('parent_build_id').references('builds.id').onDelete('RESTRICT');
    t.bigInteger('child_build_id').references('builds.id').onDelete('RESTRICT');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('removed_at', { useTz: true });
    t.text('removed_reason');
    t.check('parent_lot_id <> child_lot_id', [], 'unit_links_not_self');
    t.index(['parent_lot_id']);
    t.index(['child_build_id', 'parent_lot_id']);
  });
  await knex.raw(
    'CREATE UNIQUE INDEX unit_links_child_once ON unit_links (child_lot_id) WHERE removed_at IS NULL',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('unit_links');
}
