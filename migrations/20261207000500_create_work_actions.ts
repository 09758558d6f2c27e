/**
 * What was done to work in flight whose job was lost, failed or ended without finishing it: the
 * reconciler's redrives (a fresh job for the same subject) and settlements (the subject marked
 * failed for a person to act on), and the redrives a person asked for (a retry). `subject` names
 * the work (`build_operation:12`, `label_run:3`, `recall:7`, `webhook_delivery:9`,
 * `event_fanout:<job>`); `base_job_id` is the job the subject was first given for its current step
 * and `job_id` the new one; `progress` what the subject had done at that moment, so that a subject
 * redriven again and again without progress is settled instead. Transaction: yes. Reversible: yes.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('work_actions', (t) => {
    t.bigIncrements('id');
    t.text('subject').notNullable();
    t.text('job').notNullable();
    t.text('action').notNullable();
    t.text('cause').notNullable();
    t.text('base_job_id').notNullable();
    t.text('job_id').unique();
    t.text('detail');
    t.bigInteger('progress').notNullable().defaultTo(0);
    t.text('actor').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check(`action IN ('redrive','settle')`, [], 'work_actions_action');
    t.check(`cause IN ('missing','failed','completed','retry')`, [], 'work_actions_cause');
    t.check(`(action = 'redrive') = (job_id IS NOT NULL)`, [], 'work_actions_redrive_has_job');
    t.index(['subject', 'id']);
    t.index(['created_at']);
  });
  // The reconciler looks for deliveries still owed an attempt without reading the whole log.
  await knex.raw(
    `CREATE INDEX webhook_deliveries_open ON webhook_deliveries (id) WHERE status IN ('pending','retrying')`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX webhook_deliveries_open');
  await knex.schema.dropTable('work_actions');
}
