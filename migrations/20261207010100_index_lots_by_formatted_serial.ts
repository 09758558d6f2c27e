/**
 * A device is looked up by the formatted serial printed largest on its label, in any case
 * (`GET /codes/…`, `/id?code=…`, `/lots?serial=…`, Slack `/lot`): an index on it.
 * Transaction: yes. Reversible: yes.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(
    'CREATE INDEX lots_serial_label_upper ON lots (upper(serial_label)) WHERE serial_label IS NOT NULL',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX lots_serial_label_upper');
}
