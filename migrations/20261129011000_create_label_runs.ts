/**
 * Label runs: a request to render labels (for a build's units, lots, parts or locations) into one
 * PDF, with its progress and the stored file. Transaction: yes. Reversible: yes.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('label_runs', (t) => {
    t.bigIncrements('id');
    t.text('template').notNullable();
    t.jsonb('source').notNullable();
    t.integer('total').notNullable();
    t.integer('done').notNullable().defaultTo(0);
    t.text('status').notNullable().defaultTo('queued');
    t.text('file_key');
    t.bigInteger('bytes');
    t.integer('pages');
    t.text('error');
    t.text('requested_by').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('finished_at', { useTz: true });
    t.check(`status IN ('queued','rendering','done','failed')`, [], 'label_runs_status');
    t.check('total > 0 AND done BETWEEN 0 AND total', [], 'label_runs_progress');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('label_runs');
}
