/** Parts: purchased components and sub-assemblies. Transaction: yes. Reversible: yes. */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('parts', (t) => {
    t.bigIncrements('id');
    t.text('code').notNullable().unique();
    t.text('name').notNullable();
    t.text('kind').notNullable().defaultTo('component');
    t.text('description');
    t.text('manufacturer');
    t.text('mpn');
    t.text('value');
    t.text('footprint');
    t.jsonb('fields').notNullable().defaultTo('{}');
    t.timestamps(true, true);
    t.check(`code ~ '^[0-9A-HJKMNP-TV-Z]{10}$'`, [], 'parts_code_format');
    t.check(`kind IN ('component', 'subassembly')`, [], 'parts_kind');
  });
  await knex.raw('CREATE INDEX parts_mpn_upper ON parts (upper(mpn)) WHERE mpn IS NOT NULL');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('parts');
}
