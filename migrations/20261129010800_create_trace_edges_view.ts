/**
 * The traceability graph as one view: an edge from a lot to each lot that contains it — a
 * sub-assembly unit to the device holding it (unit_links, precise), or a consumed lot to every lot
 * its consuming build produced (unless that lot is linked to a device of that build, where the link
 * is the precise answer). Consumptions fully given back by a cancel are not edges.
 * Transaction: yes. Reversible: yes.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE VIEW trace_edges AS
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

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP VIEW trace_edges');
}
