/** Projects: a BOM and the sub-assembly part it produces. Transaction: yes. Reversible: yes. */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('projects', (t) => {
    t.bigIncrements('id');
    t.text('code').notNullable().unique();
    t.text('name').notNullable().unique();
    t.text('description');
    t.bigInteger('produces_part_id').notNullable().references('parts.id').onDelete('RESTRICT');
    t.text('serial_format');
    t.timestamps(true, true);
    t.check(`code ~ '^[0-9A-HJKMNP-TV-Z]{10}$'`, [], 'projects_code_format');
    t.index(['produces_part_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('projects');
}
