/**
 * The address a label run's 2D codes point at (`<public_url>/id/<code>`): PUBLIC_URL of the process
 * that took the request, kept with the run so its answer, its worker and its Slack messages agree on
 * it (and warn when it is a loopback address no scanner can reach). Null on runs requested before
 * this column existed: they render with the worker's PUBLIC_URL, as they always did.
 * Transaction: yes. Reversible: yes (runs requested since then render with the worker's PUBLIC_URL).
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('label_runs', (t) => {
    t.text('public_url');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('label_runs', (t) => {
    t.dropColumn('public_url');
  });
}
