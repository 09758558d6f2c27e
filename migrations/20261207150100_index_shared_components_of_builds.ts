/**
 * What a build consumed that it did not link into its devices — the components every unit of the
 * build shares, which a backward trace shows at each build node — read from their own index (#19,
 * found by bench/scale.ts). The trace asked "was this consumed unit ever linked to a device of this
 * build" of unit_links for every consumption row: a build of 200 devices that linked 200 boards read
 * 200 rows and probed unit_links 200 times to name its five shared component lots, at every level of
 * a device's tree (22.8 ms of PostgreSQL per 3-level device page at 2,000,000 devices). The
 * `linked` flag says the same (set when a device is made with the unit, and now also when a repair
 * links a unit to a device of the consuming build — the trace_edges view's "ever linked"); this
 * partial index holds only the unlinked rows still consumed, so the trace reads those and nothing
 * else. Linked flags are set first for units a repair linked before this release.
 * Transaction: no (CREATE INDEX CONCURRENTLY; an index a failed run left invalid is built again).
 * Reversible: yes (the index goes; flags set here stay true, which is what they mean).
 */
import type { Knex } from 'knex';

export const config = { transaction: false };

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    UPDATE build_consumptions c SET linked = true
    WHERE NOT c.linked
      AND EXISTS (SELECT 1 FROM unit_links k WHERE k.child_lot_id = c.lot_id AND k.parent_build_id = c.build_id)`);
  await knex.raw('DROP INDEX CONCURRENTLY IF EXISTS build_consumptions_shared');
  await knex.raw(
    'CREATE INDEX CONCURRENTLY build_consumptions_shared ON build_consumptions (build_id, id) WHERE NOT linked AND returned < quantity',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX CONCURRENTLY IF EXISTS build_consumptions_shared');
}
