/**
 * The traceability graph after repairs. Changes to trace_edges:
 * - a component lot a repair took out of a device no longer leads to that device (unless a later
 *   change put parts of it back); a lot a repair put in leads to the device;
 * - a consumed sub-assembly unit that was ever linked to a device of the consuming build never
 *   falls back to the build-wide edge — when a repair ends its link it has left the device, and
 *   must not appear in every device of that build.
 * Transaction: yes. Reversible: yes (restores the previous definition).
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE OR REPLACE VIEW trace_edges AS
      SELECT k.child_lot_id AS src, k.parent_lot_id AS dst, k.parent_build_id AS build_id
      FROM unit_links k WHERE k.removed_at IS NULL
      UNION ALL
      SELECT c.lot_id AS src, l.id AS dst, c.build_id
      FROM build_consumptions c JOIN lots l ON l.build_id = c.build_id
      WHERE c.returned < c.quantity
        AND NOT EXISTS (
          SELECT 1 FROM unit_links k WHERE k.child_lot_id = c.lot_id AND k.parent_build_id = c.build_id
        )
        AND NOT EXISTS (
          SELECT 1 FROM device_component_state s
          WHERE s.device_lot_id = l.id AND s.lot_id = c.lot_id AND NOT s.present
        )
      UNION ALL
      SELECT s.lot_id AS src, s.device_lot_id AS dst, d.build_id
      FROM device_component_state s JOIN lots d ON d.id = s.device_lot_id
      WHERE s.present
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE OR REPLACE VIEW trace_edges AS
      SELECT k.child_lot_id AS src, k.parent_lot_id AS dst, k.parent_build_id AS build_id
      FROM unit_links k WHERE k.removed_at IS NULL
      UNION ALL
      SELECT c.lot_id AS src, l.id AS dst, c.build_id
      FROM build_consumptions c JOIN lots l ON l.build_id = c.build_id
      WHERE c.returned < c.quantity
        AND NOT EXISTS (
          SELECT 1 FROM unit_links k
          WHERE k.child_lot_id = c.lot_id AND k.parent_build_id = c.build_id AND k.removed_at IS NULL
        )
  `);
}
