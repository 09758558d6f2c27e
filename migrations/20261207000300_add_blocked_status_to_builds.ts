/**
 * A build whose work a worker gave up on (unit generation failed for good, or lost its job too often
 * without progress) is `blocked`, with the reason in `blocked` ({ reason, operation, operationId,
 * since }). From there a person retries (generation continues where it stopped) or cancels.
 * `serial_date` is the date formatted serials of the build are rendered with, fixed when its serials
 * are reserved. Transaction: yes. Reversible: yes (blocked builds go back to in_progress).
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('builds', (t) => {
    t.jsonb('blocked');
    t.timestamp('serial_date', { useTz: true });
    t.dropChecks(['builds_status']);
  });
  await knex.schema.alterTable('builds', (t) => {
    t.check(
      `status IN ('planned','starting','in_progress','blocked','completed','cancelled')`,
      [],
      'builds_status',
    );
    t.check(`(status = 'blocked') = (blocked IS NOT NULL)`, [], 'builds_blocked_has_reason');
  });
  await knex.raw(`UPDATE builds SET serial_date = started_at WHERE serial_seq_start IS NOT NULL`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`UPDATE builds SET status = 'in_progress', blocked = NULL WHERE status = 'blocked'`);
  await knex.schema.alterTable('builds', (t) => {
    t.dropChecks(['builds_status', 'builds_blocked_has_reason']);
    t.dropColumns('blocked', 'serial_date');
  });
  await knex.schema.alterTable('builds', (t) => {
    t.check(`status IN ('planned','starting','in_progress','completed','cancelled')`, [], 'builds_status');
  });
}
