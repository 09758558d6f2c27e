/** Storage locations. Transaction: yes. Reversible: yes. */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('locations', (t) => {
    t.bigIncrements('id');
    t.text('code').notNullable().unique();
    t.text('name').notNullable().unique();
    t.text('description');
    t.timestamps(true, true);
    t.check(`code ~ '^[0-9A-HJKMNP-TV-Z]{10}$'`, [], 'locations_code_format');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('locations');
}
