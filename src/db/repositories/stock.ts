import type { Knex } from 'knex';
import type { StockMovements } from '../../commands/ports.ts';
import type { CandidateLot } from '../../domain/builds.ts';

interface CandidateRow {
  id: number;
  code: string;
  part_id: number;
  quantity: number;
  is_unit: boolean;
}

export function stockMovements(db: Knex | Knex.Transaction): StockMovements {
  async function move(
    buildId: number,
    items: { lotId: number; quantity: number }[],
    sign: 1 | -1,
    reason: string,
    actor: string,
  ) {
    if (items.length === 0) return;
    await db.raw(
      `WITH a AS (SELECT * FROM unnest(?::bigint[], ?::int[]) AS t(lot_id, q)),
       moved AS (
         UPDATE lots l SET quantity = l.quantity + ? * a.q, updated_at = now()
         FROM a WHERE l.id = a.lot_id
         RETURNING l.id, l.quantity
       )
       INSERT INTO stock_ledger (lot_id, delta, quantity_after, reason, actor, build_id)
       SELECT moved.id, ? * a.q, moved.quantity, ?, ?, ? FROM moved JOIN a ON a.lot_id = moved.id`,
      [items.map((i) => i.lotId), items.map((i) => i.quantity), sign, sign, reason, actor, buildId],
    );
  }

  return {
    async candidates(partIds, lotIds) {
      const map = new Map<number, CandidateLot[]>();
      if (partIds.length === 0) return map;
      const rows = (
        lotIds
          ? await db.raw<{ rows: CandidateRow[] }>(
              `SELECT id, code, part_id, quantity, serial IS NOT NULL AS is_unit FROM lots
               WHERE id = ANY(?::bigint[]) AND part_id = ANY(?::bigint[]) AND status = 'available' AND quantity > 0
               ORDER BY array_position(?::bigint[], id) FOR UPDATE`,
              [lotIds, partIds, lotIds],
            )
          : await db.raw<{ rows: CandidateRow[] }>(
              `SELECT id, code, part_id, quantity, serial IS NOT NULL AS is_unit FROM lots
               WHERE part_id = ANY(?::bigint[]) AND status = 'available' AND quantity > 0
                 AND (expires_on IS NULL OR expires_on >= current_date)
               ORDER BY part_id, created_at, id FOR UPDATE`,
              [partIds],
            )
      ).rows;
      for (const r of rows) {
        const list = map.get(r.part_id) ?? [];
        list.push({ id: r.id, code: r.code, partId: r.part_id, quantity: r.quantity, isUnit: r.is_unit });
        map.set(r.part_id, list);
      }
      return map;
    },
    consume: (buildId, allocations, actor) =>
      move(
        buildId,
        allocations.map((a) => ({ lotId: a.lotId, quantity: a.quantity })),
        -1,
        'build_consume',
        actor,
      ),
    giveBack: (buildId, items, actor) => move(buildId, items, 1, 'build_return', actor),
  };
}
