/** The stock ledger's invariant: every lot's quantity is the sum of its ledger entries. */
import { expect } from 'vitest';
import type { AppContext } from '../../src/context.ts';

export interface UnbalancedLot {
  code: string;
  quantity: number;
  ledger: number;
}

/** Lots whose quantity differs from the sum of their ledger entries (none, when all is well). */
export async function unbalancedLots(ctx: Pick<AppContext, 'db'>): Promise<UnbalancedLot[]> {
  const result = await ctx.db.raw<{ rows: UnbalancedLot[] }>(
    `SELECT l.code, l.quantity, coalesce(sum(s.delta), 0)::int AS ledger
     FROM lots l LEFT JOIN stock_ledger s ON s.lot_id = l.id
     GROUP BY l.id HAVING l.quantity <> coalesce(sum(s.delta), 0)`,
  );
  return result.rows;
}

/** Every lot's quantity equals the sum of its ledger entries. */
export async function expectLedgerBalanced(ctx: Pick<AppContext, 'db'>): Promise<void> {
  expect(await unbalancedLots(ctx)).toEqual([]);
}
