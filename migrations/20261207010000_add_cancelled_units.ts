/**
 * Units a cancelled build never finished get a status of their own, `cancelled` (they were not
 * scrapped: nobody found them faulty), and the build counts them in `units_cancelled`, so that a
 * build's progress and its unit counts say the same. Units written off by an earlier cancel (then
 * `scrapped`, with a `build_cancel` ledger entry) become `cancelled` and are counted.
 * Transaction: yes. Reversible: yes (cancelled units become scrapped again).
 */
import type { Knex } from 'knex';

const BEFORE = `'in_production','available','quarantined','shipped','scrapped','returned','disposed'`;
const AFTER = `${BEFORE},'cancelled'`;

async function statuses(knex: Knex, list: string): Promise<void> {
  await knex.schema.alterTable('lots', (t) => t.dropChecks(['lots_status', 'lots_status_before_quarantine']));
  await knex.schema.alterTable('lots', (t) => {
    t.check(`status IN (${list})`, [], 'lots_status');
    t.check(
      `status_before_quarantine IS NULL OR status_before_quarantine IN (${list})`,
      [],
      'lots_status_before_quarantine',
    );
  });
}

export async function up(knex: Knex): Promise<void> {
  await statuses(knex, AFTER);
  await knex.schema.alterTable('builds', (t) => {
    t.integer('units_cancelled').notNullable().defaultTo(0);
    t.check('units_cancelled >= 0', [], 'builds_units_cancelled_not_negative');
    t.dropChecks(['builds_units_resolved_range']);
  });
  await knex.raw(`
    WITH gone AS (
      UPDATE lots l SET status = 'cancelled', updated_at = now()
      FROM builds b
      WHERE l.build_id = b.id AND b.status = 'cancelled' AND l.status = 'scrapped'
        AND EXISTS (SELECT 1 FROM stock_ledger s WHERE s.lot_id = l.id AND s.reason = 'build_cancel')
      RETURNING l.build_id, l.id
    ),
    per_build AS (
      SELECT g.build_id, sum(-s.delta)::int AS n FROM gone g
      JOIN stock_ledger s ON s.lot_id = g.id AND s.reason = 'build_cancel' GROUP BY g.build_id
    )
    UPDATE builds b SET units_cancelled = per_build.n FROM per_build WHERE b.id = per_build.build_id`);
  await knex.schema.alterTable('builds', (t) =>
    t.check(
      'units_completed + units_scrapped + units_cancelled <= quantity',
      [],
      'builds_units_resolved_range',
    ),
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`UPDATE lots SET status = 'scrapped' WHERE status = 'cancelled'`);
  await knex.raw(
    `UPDATE lots SET status_before_quarantine = NULL WHERE status_before_quarantine = 'cancelled'`,
  );
  await knex.schema.alterTable('builds', (t) => {
    t.dropChecks(['builds_units_cancelled_not_negative', 'builds_units_resolved_range']);
    t.dropColumn('units_cancelled');
  });
  await knex.schema.alterTable('builds', (t) =>
    t.check('units_completed + units_scrapped <= quantity', [], 'builds_units_resolved_range'),
  );
  await statuses(knex, BEFORE);
}
