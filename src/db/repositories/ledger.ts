import type { Knex } from 'knex';
import type { LedgerRepository } from '../../commands/ports.ts';
import type { LedgerEntry, LedgerReason } from '../../domain/types.ts';
import { paginate } from './shared.ts';

interface LedgerRow {
  id: number;
  lot_code: string;
  delta: number;
  quantity_after: number;
  reason: LedgerReason;
  note: string | null;
  actor: string;
  build_code: string | null;
  created_at: Date;
}

const toEntry = (r: LedgerRow): LedgerEntry => ({
  id: r.id,
  lotCode: r.lot_code,
  delta: r.delta,
  quantityAfter: r.quantity_after,
  reason: r.reason,
  note: r.note,
  actor: r.actor,
  buildCode: r.build_code,
  createdAt: r.created_at,
});

export function ledgerRepository(db: Knex | Knex.Transaction): LedgerRepository {
  return {
    listForLot(lotId, page) {
      const q = db('stock_ledger as s')
        .join('lots as l', 'l.id', 's.lot_id')
        .leftJoin('builds as b', 'b.id', 's.build_id')
        .select('s.*', 'l.code as lot_code', 'b.code as build_code')
        .where('s.lot_id', lotId);
      return paginate(q, 's.id', page, toEntry);
    },
  };
}
