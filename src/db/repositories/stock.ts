/**
 * The stock door: every quantity change is a ledger entry written here, in one statement per batch.
 * The database does the rest (migration `make_lot_quantity_follow_the_ledger`): a ledger insert moves
 * the lots' quantities and must agree with the `quantity_after` computed here, lots open with a
 * quantity only inside `open`, and nothing else may touch `lots.quantity`.
 */
import type { Knex } from 'knex';
import type { StockMovements, StockReservation } from '../../commands/ports.ts';
import type { CandidateLot } from '../../domain/builds.ts';

interface CandidateRow {
  id: number;
  code: string;
  part_id: number;
  quantity: number;
  is_unit: boolean;
}

const OPENING = 'buildtrace.stock_opening';

export function stockMovements(db: Knex | Knex.Transaction): StockMovements {
  return {
    async candidates(partIds, lotIds) {
      const map = new Map<number, CandidateLot[]>();
      if (partIds.length === 0) return map;
      const rows = (
        lotIds
          ? await db.raw<{ rows: CandidateRow[] }>(
              `SELECT id, code, part_id, quantity - reserved AS quantity, serial IS NOT NULL AS is_unit FROM lots
               WHERE id = ANY(?::bigint[]) AND part_id = ANY(?::bigint[]) AND status = 'available' AND quantity > reserved
               ORDER BY array_position(?::bigint[], id) FOR UPDATE`,
              [lotIds, partIds, lotIds],
            )
          : await db.raw<{ rows: CandidateRow[] }>(
              `SELECT id, code, part_id, quantity - reserved AS quantity, serial IS NOT NULL AS is_unit FROM lots
               WHERE part_id = ANY(?::bigint[]) AND status = 'available' AND quantity > reserved
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

    async move(moves) {
      const after = new Map<number, number>();
      if (moves.length === 0) return after;
      // The lots are locked first (in id order, so concurrent moves cannot deadlock on them), then
      // each entry records the running quantity of its lot; the ledger trigger applies the deltas.
      const result = await db.raw<{ rows: { lot_id: number; quantity_after: number }[] }>(
        `WITH m AS (
           SELECT * FROM unnest(?::bigint[], ?::int[], ?::text[], ?::text[], ?::text[], ?::bigint[])
             WITH ORDINALITY AS t(lot_id, delta, reason, note, actor, build_id, n)
         ),
         cur AS (
           SELECT id, quantity FROM lots WHERE id IN (SELECT lot_id FROM m) ORDER BY id FOR UPDATE
         )
         INSERT INTO stock_ledger (lot_id, delta, quantity_after, reason, note, actor, build_id)
         SELECT m.lot_id, m.delta, cur.quantity + sum(m.delta) OVER (PARTITION BY m.lot_id ORDER BY m.n),
                m.reason, m.note, m.actor, m.build_id
         FROM m JOIN cur ON cur.id = m.lot_id
         ORDER BY m.n
         RETURNING lot_id, quantity_after`,
        [
          moves.map((m) => m.lotId),
          moves.map((m) => m.delta),
          moves.map((m) => m.reason),
          moves.map((m) => m.note ?? null),
          moves.map((m) => m.actor),
          moves.map((m) => m.buildId ?? null),
        ] as unknown as readonly Knex.RawBinding[],
      );
      if (result.rows.length !== moves.length)
        throw new Error(`stock move: ${moves.length - result.rows.length} of the lots moved do not exist`);
      for (const r of result.rows) after.set(Number(r.lot_id), r.quantity_after);
      return after;
    },

    async open(entry, insert) {
      const opening = JSON.stringify({
        reason: entry.reason,
        note: entry.note ?? null,
        actor: entry.actor,
        buildId: entry.buildId ?? null,
      });
      await db.raw('SELECT set_config(?, ?, true)', [OPENING, opening]);
      const inserted = await insert();
      // Only the inserts inside this call are opened with this entry. (When the insert fails, the
      // transaction is over and the setting with it: resetting it then would only hide the error.)
      await db.raw(`SELECT set_config(?, '', true)`, [OPENING]);
      return inserted;
    },

    async reserve(buildId, allocations) {
      if (allocations.length === 0) return;
      await db.raw(
        `INSERT INTO stock_reservations (build_id, lot_id, part_id, quantity)
         SELECT ?, t.lot_id, t.part_id, sum(t.quantity) FROM unnest(?::bigint[], ?::bigint[], ?::int[]) AS t(lot_id, part_id, quantity)
         GROUP BY t.lot_id, t.part_id`,
        [
          buildId,
          allocations.map((a) => a.lotId),
          allocations.map((a) => a.partId),
          allocations.map((a) => a.quantity),
        ],
      );
    },

    async release(buildId) {
      const held = await this.reservations(buildId);
      if (held.length > 0) await db('stock_reservations').where({ build_id: buildId }).delete();
      return held;
    },

    async reservations(buildId) {
      const rows = (await db('stock_reservations as r')
        .join('lots as l', 'l.id', 'r.lot_id')
        .where('r.build_id', buildId)
        .orderBy('r.id')
        .select('r.lot_id', 'l.code as lot_code', 'r.part_id', 'r.quantity')) as {
        lot_id: number;
        lot_code: string;
        part_id: number;
        quantity: number;
      }[];
      return rows.map((r): StockReservation => ({
        lotId: Number(r.lot_id),
        lotCode: r.lot_code,
        partId: Number(r.part_id),
        quantity: r.quantity,
      }));
    },
  };
}
