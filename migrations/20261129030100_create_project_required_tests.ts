/**
 * Required tests of a project: the tests each of its units must pass (latest result, not corrected)
 * before the unit may be completed. Names are unique per project, ignoring case.
 * Transaction: yes. Reversible: yes.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('project_required_tests', (t) => {
    t.bigIncrements('id');
    t.bigInteger('project_id').notNullable().references('projects.id').onDelete('CASCADE');
    t.integer('position').notNullable();
    t.text('name').notNullable();
    t.check(`length(btrim(name)) BETWEEN 1 AND 100`, [], 'project_required_tests_name');
  });
  await knex.raw(
    'CREATE UNIQUE INDEX project_required_tests_unique ON project_required_tests (project_id, lower(name))',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('project_required_tests');
}
