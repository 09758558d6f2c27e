/**
 * The build that made a consumed lot, kept on the consumption: a forward trace can then ask "which
 * builds used units of build B" from an index, instead of joining every unit of B.
 * Transaction: yes. Reversible: yes.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('build_consumptions', (t) => {
    t.bigInteger('source_build_id').references('builds.id').onDelete('RESTRICT');
  });
  await knex.raw(
    `UPDATE build_consumptions c SET source_build_id = l.build_id FROM lots l WHERE l.id = c.lot_id AND l.build_id IS NOT NULL`,
  );
  await knex.raw(
    'CREATE INDEX build_consumptions_source_build ON build_consumptions (source_build_id, build_id) WHERE source_build_id IS NOT NULL',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX build_consumptions_source_build');
  await knex.schema.alterTable('build_consumptions', (t) => {
    t.dropColumn('source_build_id');
  });
}
