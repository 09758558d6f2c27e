/**
 * Lots made by a build: the build, and for tracked units the serial within the build and the
 * formatted serial. Unique indexes guarantee (build, serial) and (part, formatted serial) are never
 * given twice. Transaction: yes. Reversible: yes.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('lots', (t) => {
    t.bigInteger('build_id').references('builds.id').onDelete('RESTRICT');
    t.integer('serial');
    t.text('serial_label');
    t.check('serial IS NULL OR (serial > 0 AND build_id IS NOT NULL)', [], 'lots_serial_needs_build');
  });
  await knex.raw(`
    CREATE UNIQUE INDEX lots_build_serial ON lots (build_id, serial) WHERE serial IS NOT NULL;
    CREATE UNIQUE INDEX lots_part_serial_label ON lots (part_id, serial_label) WHERE serial_label IS NOT NULL;
    CREATE INDEX lots_build ON lots (build_id) WHERE build_id IS NOT NULL;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX lots_build_serial; DROP INDEX lots_part_serial_label; DROP INDEX lots_build;');
  await knex.schema.alterTable('lots', (t) => {
    t.dropChecks(['lots_serial_needs_build']);
    t.dropColumns('build_id', 'serial', 'serial_label');
  });
}
