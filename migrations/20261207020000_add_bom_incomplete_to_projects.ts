/**
 * Whether a project's BOM is incomplete, and why: the lines its last import could not take (`{lines:
 * [{line, reason}], since}`), null when the BOM is complete. A build of an incomplete BOM is refused
 * unless the request accepts it. Transaction: yes. Reversible: yes (the record is dropped).
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('projects', (t) => {
    t.jsonb('bom_incomplete');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('projects', (t) => {
    t.dropColumn('bom_incomplete');
  });
}
