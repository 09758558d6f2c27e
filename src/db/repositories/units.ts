import type { Knex } from 'knex';
import type { UnitRepository } from '../../commands/ports.ts';
import type { StockStatus } from '../../domain/types.ts';
import { lotQuery, toLot, type LotRow } from './lots.ts';
import { paginate } from './shared.ts';

type UnitRow = LotRow & { serial: number; serial_label: string | null };
const toUnit = (r: UnitRow) => ({ ...toLot(r), serial: r.serial, serialLabel: r.serial_label });

export function unitRepository(db: Knex | Knex.Transaction): UnitRepository {
  return {
    async insertUnits({ buildId, partId, locationId, status, units, links }) {
      if (units.length === 0) return 0;
      const childSerials: number[] = [];
      const childIds: number[] = [];
      const childBuilds: (number | null)[] = [];
      for (const link of links) {
        link.childLotIds.forEach((id, i) => {
          childSerials.push(link.serial);
          childIds.push(id);
          childBuilds.push(link.childBuildIds[i] ?? null);
        });
      }
      const result = await db.raw<{ rows: { n: number }[] }>(
        `WITH u AS (SELECT * FROM unnest(?::text[], ?::int[], ?::text[]) AS t(code, serial, label)),
         ins AS (
           INSERT INTO lots (code, part_id, location_id, quantity, status, source, build_id, serial, serial_label)
           SELECT u.code, ?, ?, 1, ?, 'build', ?, u.serial, u.label FROM u
           RETURNING id, serial
         ),
         links AS (
           INSERT INTO unit_links (parent_lot_id, child_lot_id, parent_build_id, child_build_id)
           SELECT ins.id, k.child, ?, k.child_build
           FROM unnest(?::int[], ?::bigint[], ?::bigint[]) AS k(serial, child, child_build) JOIN ins ON ins.serial = k.serial
           RETURNING child_lot_id
         ),
         consumed_linked AS (
           UPDATE build_consumptions c SET linked = true FROM links WHERE c.build_id = ? AND c.lot_id = links.child_lot_id
         )
         SELECT count(*)::int AS n FROM ins`,
        [
          units.map((u) => u.code),
          units.map((u) => u.serial),
          units.map((u) => u.serialLabel),
          partId,
          locationId,
          status,
          buildId,
          buildId,
          childSerials,
          childIds,
          childBuilds,
          buildId,
        ] as unknown as readonly Knex.RawBinding[],
      );
      return result.rows[0]!.n;
    },
    async changeStatus(buildId, from, to, serials) {
      const q = db('lots').where({ build_id: buildId, status: from }).whereNotNull('serial');
      if (serials) q.whereRaw('serial = ANY(?::int[])', [serials]);
      const rows = (await q.update({ status: to, updated_at: db.fn.now() }).returning('serial')) as {
        serial: number;
      }[];
      return rows.map((r) => r.serial).sort((a, b) => a - b);
    },
    async writeOff(buildId, { from, to, serials, quarantinedFrom }) {
      // A quarantined unit is taken only if it was quarantined from one of `quarantinedFrom` (any, if
      // not given); each unit answers the status it left and, if quarantined, the one before.
      const rows = (
        await db.raw<{
          rows: { id: number; code: string; serial: number; from: StockStatus; before: StockStatus | null }[];
        }>(
          `WITH o AS (
             SELECT id, status, status_before_quarantine FROM lots
             WHERE build_id = ? AND serial IS NOT NULL AND quantity = 1 AND status = ANY(?::text[])
               ${serials ? 'AND serial = ANY(?::int[])' : ''}
               ${quarantinedFrom ? `AND (status <> 'quarantined' OR coalesce(status_before_quarantine, 'available') = ANY(?::text[]))` : ''}
             FOR UPDATE
           )
           UPDATE lots l SET status = ?, status_before_quarantine = NULL, updated_at = now() FROM o
           WHERE l.id = o.id
           RETURNING l.id, l.code, l.serial, o.status AS from, o.status_before_quarantine AS before`,
          [
            buildId,
            from,
            ...(serials ? [serials] : []),
            ...(quarantinedFrom ? [quarantinedFrom] : []),
            to,
          ] as unknown as readonly Knex.RawBinding[],
        )
      ).rows;
      return rows
        .map((r) => ({
          lotId: r.id,
          code: r.code,
          serial: r.serial,
          from: r.from,
          beforeQuarantine: r.from === 'quarantined' ? (r.before ?? 'available') : null,
        }))
        .sort((a, b) => a.serial - b.serial);
    },
    async statuses(buildId, serials) {
      const rows = (await db('lots')
        .where({ build_id: buildId })
        .whereRaw('serial = ANY(?::int[])', [serials])
        .select('serial', 'status')) as { serial: number; status: StockStatus }[];
      return new Map(rows.map((r) => [r.serial, r.status]));
    },
    async findBySerials(buildId, serials) {
      if (serials.length === 0) return [];
      const rows = (await lotQuery(db)
        .where('l.build_id', buildId)
        .whereRaw('l.serial = ANY(?::int[])', [serials])
        .orderBy('l.serial')) as LotRow[];
      return rows.map(toLot);
    },
    async takenSerialLabels(partId, labels, limit) {
      if (labels.length === 0) return [];
      const rows = (
        await db.raw<{ rows: { label: string; build: string | null }[] }>(
          `SELECT l.serial_label AS label, b.code AS build FROM lots l LEFT JOIN builds b ON b.id = l.build_id
           WHERE l.part_id = ? AND l.serial_label = ANY(?::text[]) ORDER BY l.id LIMIT ?`,
          [partId, labels, limit],
        )
      ).rows;
      return rows;
    },
    async unlinkChildren(parentLotIds, reason) {
      if (parentLotIds.length === 0) return 0;
      return db('unit_links')
        .whereIn('parent_lot_id', parentLotIds)
        .whereNull('removed_at')
        .update({ removed_at: db.fn.now(), removed_reason: reason });
    },
    async unheldConsumedUnits(buildId) {
      const rows = (
        await db.raw<{ rows: { consumption_id: number; lot_id: number }[] }>(
          `SELECT c.id AS consumption_id, c.lot_id FROM build_consumptions c JOIN lots l ON l.id = c.lot_id
         WHERE c.build_id = ? AND l.serial IS NOT NULL AND c.returned < c.quantity
           AND NOT EXISTS (SELECT 1 FROM unit_links k WHERE k.child_lot_id = c.lot_id AND k.removed_at IS NULL)
         ORDER BY c.id`,
          [buildId],
        )
      ).rows;
      return rows.map((r) => ({ consumptionId: r.consumption_id, lotId: r.lot_id }));
    },
    async findBySerial(buildId, serial) {
      const row = (await lotQuery(db).where({ 'l.build_id': buildId, 'l.serial': serial }).first()) as
        LotRow | undefined;
      return row ? toLot(row) : null;
    },
    list(buildId, filter, page) {
      const q = lotQuery(db).where('l.build_id', buildId).whereNotNull('l.serial');
      if (filter.status) q.where('l.status', filter.status);
      if (filter.serials) q.whereRaw('l.serial = ANY(?::int[])', [filter.serials]);
      return paginate(q, 'l.id', page, (r: UnitRow) => toUnit(r));
    },
    async countByStatus(buildId) {
      const rows = (await db('lots')
        .where({ build_id: buildId })
        .whereNotNull('serial')
        .groupBy('status')
        .select('status', db.raw('count(*)::int AS n'))) as { status: string; n: number }[];
      return Object.fromEntries(rows.map((r) => [r.status, r.n]));
    },
  };
}
