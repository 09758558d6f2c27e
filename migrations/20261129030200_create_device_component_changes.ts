/**
 * Component changes made to a device by repairs: what was taken out and what was put in, so the
 * device's genealogy (and every trace through it) stays true after a repair. Serialized sub-assembly
 * swaps also end and add unit_links rows; `is_unit` marks them so the trace uses the links for those.
 * Append-only in use (the repository only inserts). Transaction: yes. Reversible: yes.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('device_component_changes', (t) => {
    t.bigIncrements('id');
    t.bigInteger('device_lot_id').notNullable().references('lots.id').onDelete('RESTRICT');
    t.bigInteger('history_event_id').notNullable().references('history_events.id').onDelete('RESTRICT');
    t.bigInteger('part_id').notNullable().references('parts.id').onDelete('RESTRICT');
    t.bigInteger('removed_lot_id').references('lots.id').onDelete('RESTRICT');
    t.bigInteger('installed_lot_id').references('lots.id').onDelete('RESTRICT');
    t.integer('quantity').notNullable();
    t.boolean('is_unit').notNullable();
    t.specificType('designators', 'text[]').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check(
      'removed_lot_id IS NOT NULL OR installed_lot_id IS NOT NULL',
      [],
      'device_component_changes_something',
    );
    t.check('quantity > 0', [], 'device_component_changes_quantity_positive');
    t.index(['device_lot_id', 'id']);
    t.index(['installed_lot_id']);
    t.index(['removed_lot_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('device_component_changes');
}
