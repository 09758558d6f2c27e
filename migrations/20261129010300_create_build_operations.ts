/**
 * Requested build operations (start, advance, complete, cancel), run by workers. At most one may be
 * queued per build, so a repeated or concurrent request joins the queued one instead of running
 * twice. Transaction: yes. Reversible: yes.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('build_operations', (t) => {
    t.bigIncrements('id');
    t.bigInteger('build_id').notNullable().references('builds.id').onDelete('RESTRICT');
    t.text('kind').notNullable();
    t.jsonb('params').notNullable().defaultTo('{}');
    t.text('status').notNullable().defaultTo('queued');
    t.jsonb('result');
    t.text('error');
    t.text('requested_by').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('finished_at', { useTz: true });
    t.check(`kind IN ('start','advance','complete','cancel')`, [], 'build_operations_kind');
    t.check(`status IN ('queued','done','failed')`, [], 'build_operations_status');
    t.index(['build_id', 'id']);
  });
  await knex.raw(
    `CREATE UNIQUE INDEX build_operations_one_queued ON build_operations (build_id) WHERE status = 'queued'`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('build_operations');
}
