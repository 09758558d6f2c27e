/**
 * The stock ledger: every quantity change of every lot. Append-only — a trigger refuses UPDATE and
 * DELETE, so corrections are new entries. Transaction: yes. Reversible: yes (drops the history!).
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('stock_ledger', (t) => {
    t.bigIncrements('id');
    t.bigInteger('lot_id').notNullable().references('lots.id').onDelete('RESTRICT');
    t.integer('delta').notNullable();
    t.integer('quantity_after').notNullable();
    t.text('reason').notNullable();
    t.text('note');
    t.text('actor').notNullable();
    t.bigInteger('build_id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check('delta <> 0', [], 'stock_ledger_delta_not_zero');
    t.check('quantity_after >= 0', [], 'stock_ledger_quantity_after_not_negative');
    t.check(
      `reason IN ('receive','split','adjust','build_consume','build_produce','build_return','build_cancel','scrap')`,
      [],
      'stock_ledger_reason',
    );
    t.index(['lot_id', 'id']);
    t.index(['build_id']);
  });
  await knex.raw(`
    CREATE FUNCTION stock_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'stock_ledger is append-only: add a correcting entry instead' USING ERRCODE = 'P0001';
    END $$;
    CREATE TRIGGER stock_ledger_append_only BEFORE UPDATE OR DELETE ON stock_ledger
      FOR EACH ROW EXECUTE FUNCTION stock_ledger_append_only();
    CREATE TRIGGER stock_ledger_no_truncate BEFORE TRUNCATE ON stock_ledger
      FOR EACH STATEMENT EXECUTE FUNCTION stock_ledger_append_only();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('stock_ledger');
  await knex.raw('DROP FUNCTION stock_ledger_append_only()');
}
