/**
 * History events: the append-only timeline of a lot (above all of a device) — notes, test results,
 * repairs, service, status changes, shipping, returns, disposal and corrections. A trigger refuses
 * UPDATE, DELETE and TRUNCATE: a correction is a new event that refers to the one it corrects.
 * Test results carry their test name and verdict in columns, for the required-test checks.
 * Transaction: yes. Reversible: yes (drops the history!).
 */
import type { Knex } from 'knex';

const KINDS = `'note','test_result','repair','service','status_changed','shipped','returned','disposed','correction'`;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('history_events', (t) => {
    t.bigIncrements('id');
    t.bigInteger('lot_id').notNullable().references('lots.id').onDelete('RESTRICT');
    t.text('kind').notNullable();
    t.jsonb('data').notNullable().defaultTo('{}');
    t.text('actor').notNullable();
    t.timestamp('occurred_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.bigInteger('corrects_id').references('history_events.id').onDelete('RESTRICT');
    t.text('test_name');
    t.boolean('passed');
    t.check(`kind IN (${KINDS})`, [], 'history_events_kind');
    t.check(
      `(kind = 'test_result') = (test_name IS NOT NULL AND passed IS NOT NULL)`,
      [],
      'history_events_test_columns',
    );
    t.check(`(kind = 'correction') = (corrects_id IS NOT NULL)`, [], 'history_events_correction_target');
    t.index(['lot_id', 'id']);
  });
  await knex.raw(`
    CREATE INDEX history_events_tests ON history_events (lot_id, lower(test_name), id) WHERE kind = 'test_result';
    CREATE INDEX history_events_corrects ON history_events (corrects_id) WHERE corrects_id IS NOT NULL;
    CREATE FUNCTION history_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'history is append-only: record a correction instead' USING ERRCODE = 'P0001';
    END $$;
    CREATE TRIGGER history_events_append_only BEFORE UPDATE OR DELETE ON history_events
      FOR EACH ROW EXECUTE FUNCTION history_events_append_only();
    CREATE TRIGGER history_events_no_truncate BEFORE TRUNCATE ON history_events
      FOR EACH STATEMENT EXECUTE FUNCTION history_events_append_only();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('history_events');
  await knex.raw('DROP FUNCTION history_events_append_only()');
}
