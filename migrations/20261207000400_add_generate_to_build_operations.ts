/**
 * Unit generation becomes a build operation of its own (`generate`), requested by the start of a
 * tracked build, so the database says for every build what work is still in flight. It may be
 * queued beside one other operation (a stage may be advanced, or the build cancelled, while units
 * are generated), so the one-queued rule now leaves it out and has a rule of its own. Builds still
 * generating when this runs get their operation. Transaction: yes. Reversible: yes (drops them).
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('build_operations', (t) => {
    t.dropChecks(['build_operations_kind']);
  });
  await knex.schema.alterTable('build_operations', (t) => {
    t.check(`kind IN ('start','advance','complete','cancel','generate')`, [], 'build_operations_kind');
  });
  await knex.raw(`
    DROP INDEX build_operations_one_queued;
    CREATE UNIQUE INDEX build_operations_one_queued ON build_operations (build_id)
      WHERE status = 'queued' AND kind <> 'generate';
    CREATE UNIQUE INDEX build_operations_one_generating ON build_operations (build_id)
      WHERE status = 'queued' AND kind = 'generate';
    CREATE INDEX build_operations_queued ON build_operations (id) WHERE status = 'queued';
    INSERT INTO build_operations (build_id, kind, params, requested_by)
    SELECT id, 'generate', '{}', created_by FROM builds
    WHERE status = 'in_progress' AND track_units AND units_generated < quantity;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DELETE FROM build_operations WHERE kind = 'generate';
    DROP INDEX build_operations_queued;
    DROP INDEX build_operations_one_generating;
    DROP INDEX build_operations_one_queued;
    CREATE UNIQUE INDEX build_operations_one_queued ON build_operations (build_id) WHERE status = 'queued';
  `);
  await knex.schema.alterTable('build_operations', (t) => {
    t.dropChecks(['build_operations_kind']);
  });
  await knex.schema.alterTable('build_operations', (t) => {
    t.check(`kind IN ('start','advance','complete','cancel')`, [], 'build_operations_kind');
  });
}
