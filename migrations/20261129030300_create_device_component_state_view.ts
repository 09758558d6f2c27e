/**
 * The current state of each (device, component lot) pair that a repair touched: `present` is true
 * when the latest change put parts of that lot into the device, false when it took them out. Within
 * one change, putting in wins (a part replaced by another from the same reel: the device still holds
 * that reel). Serialized sub-assemblies are not here: unit_links say which units a device holds.
 * Transaction: yes. Reversible: yes.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE VIEW device_component_state AS
      SELECT DISTINCT ON (x.device_lot_id, x.lot_id) x.device_lot_id, x.lot_id, x.present, x.change_id
      FROM (
        SELECT id AS change_id, device_lot_id, removed_lot_id AS lot_id, false AS present
        FROM device_component_changes WHERE removed_lot_id IS NOT NULL AND NOT is_unit
        UNION ALL
        SELECT id, device_lot_id, installed_lot_id, true
        FROM device_component_changes WHERE installed_lot_id IS NOT NULL AND NOT is_unit
      ) x
      ORDER BY x.device_lot_id, x.lot_id, x.change_id DESC, x.present DESC
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP VIEW device_component_state');
}
