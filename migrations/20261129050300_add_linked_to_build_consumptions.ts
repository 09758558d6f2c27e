/**
 * Whether a consumed sub-assembly unit was linked to a device of the consuming build (set when the
 * device is made, never cleared — as trace_edges' "ever linked" rule). Lets a forward trace find the
 * consumptions that fan out to a whole build from a small partial index. Also: lots of a build in
 * id order now carry status and serial, so traces count them with an index-only scan.
 * Transaction: yes. Reversible: yes.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('build_consumptions', (t) => {
    t.boolean('linked').notNullable().defaultTo(false);
  });
  await knex.raw(`
    UPDATE build_consumptions c SET linked = true
    WHERE EXISTS (SELECT 1 FROM unit_links k WHERE k.child_lot_id = c.lot_id AND k.parent_build_id = c.build_id);
    DROP INDEX build_consumptions_source_build;
    CREATE INDEX build_consumptions_unlinked_by_source ON build_consumptions (source_build_id, build_id, lot_id)
      WHERE source_build_id IS NOT NULL AND NOT linked AND returned < quantity;
    DROP INDEX lots_build_id;
    CREATE INDEX lots_build_id ON lots (build_id, id) INCLUDE (status, serial) WHERE build_id IS NOT NULL;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP INDEX build_consumptions_unlinked_by_source;
    CREATE INDEX build_consumptions_source_build ON build_consumptions (source_build_id, build_id) WHERE source_build_id IS NOT NULL;
    DROP INDEX lots_build_id;
    CREATE INDEX lots_build_id ON lots (build_id, id) WHERE build_id IS NOT NULL;
  `);
  await knex.schema.alterTable('build_consumptions', (t) => {
    t.dropColumn('linked');
  });
}
