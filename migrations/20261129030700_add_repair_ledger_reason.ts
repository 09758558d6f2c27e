/**
 * Stock ledger reason `repair`: a part or unit taken from stock into a device by a repair, or a
 * sub-assembly unit a repair took out of a device and put back into stock (quarantined).
 * Transaction: yes. Reversible: yes (fails while `repair` entries exist: the ledger is append-only).
 */
import type { Knex } from 'knex';

const BEFORE = `'receive','split','adjust','build_consume','build_produce','build_return','build_cancel','scrap'`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE stock_ledger DROP CONSTRAINT stock_ledger_reason;
    ALTER TABLE stock_ledger ADD CONSTRAINT stock_ledger_reason CHECK (reason IN (${BEFORE},'repair'));
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE stock_ledger DROP CONSTRAINT stock_ledger_reason;
    ALTER TABLE stock_ledger ADD CONSTRAINT stock_ledger_reason CHECK (reason IN (${BEFORE}));
  `);
}
