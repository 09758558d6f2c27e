/** BOM lines: (part, quantity per unit, designators) of a project. Transaction: yes. Reversible: yes. */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('bom_lines', (t) => {
    t.bigIncrements('id');
    t.bigInteger('project_id').notNullable().references('projects.id').onDelete('CASCADE');
    t.bigInteger('part_id').notNullable().references('parts.id').onDelete('RESTRICT');
    t.integer('position').notNullable();
    t.integer('quantity_per_unit').notNullable();
    t.specificType('designators', 'text[]').notNullable().defaultTo('{}');
    t.text('note');
    t.unique(['project_id', 'part_id']);
    t.check('quantity_per_unit > 0', [], 'bom_lines_quantity_positive');
    t.index(['part_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('bom_lines');
}
