/** Named stages of a multi-stage build, each completed with a time, actor and comment. Transaction: yes. Reversible: yes. */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('build_stages', (t) => {
    t.bigIncrements('id');
    t.bigInteger('build_id').notNullable().references('builds.id').onDelete('RESTRICT');
    t.integer('position').notNullable();
    t.text('name').notNullable();
    t.timestamp('completed_at', { useTz: true });
    t.text('completed_by');
    t.text('comment');
    t.unique(['build_id', 'position']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('build_stages');
}
