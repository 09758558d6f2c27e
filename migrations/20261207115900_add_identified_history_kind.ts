/**
 * History events of kind 'identified' (#17): an external identifier (MAC address, IMEI …) given to
 * a device or taken from it.
 * Transaction: yes. Reversible: yes while no 'identified' event exists (history is append-only, so
 * once one does, undoing this fails and says so).
 */
import type { Knex } from 'knex';

const KINDS = `'note','test_result','repair','service','status_changed','shipped','returned','disposed','correction'`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE history_events DROP CONSTRAINT history_events_kind;
    ALTER TABLE history_events ADD CONSTRAINT history_events_kind CHECK (kind IN (${KINDS},'identified'));
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE history_events DROP CONSTRAINT history_events_kind;
    ALTER TABLE history_events ADD CONSTRAINT history_events_kind CHECK (kind IN (${KINDS}));
  `);
}
