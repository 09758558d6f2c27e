import type { Knex } from 'knex';
import type { DeviceComponent, DeviceRepository } from '../../commands/ports.ts';
import type { Lot } from '../../domain/types.ts';
import { lotQuery, toLot, type LotRow } from './lots.ts';
import { PREPARE } from '../knex.ts';

interface ComponentRow {
  lot_id: number;
  code: string;
  part_id: number;
  part_code: string;
  part_name: string;
  is_unit: boolean;
  source: DeviceComponent['source'];
}

/** A device's genealogy as repairs change it: component changes and unit links. */
export function deviceRepository(db: Knex | Knex.Transaction): DeviceRepository {
  return {
    async findLots(codes, units, { lock }) {
      const byCode = new Map<string, Lot>();
      const byUnit = new Map<string, Lot>();
      if (codes.length > 0) {
        const q = lotQuery(db)
          .whereIn('l.code', [...new Set(codes)])
          .orderBy('l.id');
        if (lock) q.forUpdate('l');
        for (const row of (await q) as LotRow[]) byCode.set(row.code, toLot(row));
      }
      if (units.length > 0) {
        const q = lotQuery(db)
          .whereIn(
            ['b.code', 'l.serial'],
            units.map((u) => [u.build, u.serial]),
          )
          .orderBy('l.id');
        if (lock) q.forUpdate('l');
        for (const row of (await q) as LotRow[]) byUnit.set(`${row.build_code}/${row.serial}`, toLot(row));
      }
      return { byCode, byUnit };
    },
    async heldBy(lotId) {
      const row = (await db('unit_links as k')
        .join('lots as d', 'd.id', 'k.parent_lot_id')
        .where('k.child_lot_id', lotId)
        .whereNull('k.removed_at')
        .first('d.id', 'd.code')
        .options(PREPARE)) as { id: number; code: string } | undefined;
      return row ?? null;
    },
    async components(deviceLotId) {
      const rows = (
        await db.raw<{ rows: ComponentRow[] }>(
          `SELECT c.lot_id, l.code, l.part_id, p.code AS part_code, p.name AS part_name, false AS is_unit, 'build' AS source
           FROM lots d JOIN build_consumptions c ON c.build_id = d.build_id
           JOIN lots l ON l.id = c.lot_id JOIN parts p ON p.id = l.part_id
           WHERE d.id = :device AND NOT c.linked AND c.returned < c.quantity
             AND NOT EXISTS (SELECT 1 FROM device_component_state s WHERE s.device_lot_id = d.id AND s.lot_id = c.lot_id AND NOT s.present)
           UNION ALL
           SELECT s.lot_id, l.code, l.part_id, p.code, p.name, false, 'repair'
           FROM device_component_state s JOIN lots l ON l.id = s.lot_id JOIN parts p ON p.id = l.part_id
           WHERE s.device_lot_id = :device AND s.present
           UNION ALL
           SELECT k.child_lot_id, l.code, l.part_id, p.code, p.name, true, 'link'
           FROM unit_links k JOIN lots l ON l.id = k.child_lot_id JOIN parts p ON p.id = l.part_id
           WHERE k.parent_lot_id = :device AND k.removed_at IS NULL`,
          { device: deviceLotId },
        )
      ).rows;
      return rows.map((r) => ({
        lotId: Number(r.lot_id),
        code: r.code,
        partId: Number(r.part_id),
        partCode: r.part_code,
        partName: r.part_name,
        isUnit: r.is_unit,
        source: r.source,
      }));
    },
    async recordChange(change) {
      await db('device_component_changes').insert({
        device_lot_id: change.deviceLotId,
        history_event_id: change.historyEventId,
        part_id: change.partId,
        removed_lot_id: change.removedLotId,
        installed_lot_id: change.installedLotId,
        quantity: change.quantity,
        is_unit: change.isUnit,
        designators: change.designators,
      });
    },
    async unlinkUnit(deviceLotId, unitLotId, reason) {
      const n = await db('unit_links')
        .where({ parent_lot_id: deviceLotId, child_lot_id: unitLotId })
        .whereNull('removed_at')
        .update({ removed_at: db.fn.now(), removed_reason: reason });
      return n > 0;
    },
    async linkUnit(deviceLotId, unitLotId) {
      // A unit the device's build consumed is, once linked to one of its devices, no longer a
      // component every unit of that build shares (trace_edges' "ever linked").
      await db.raw(
        `WITH link AS (
           INSERT INTO unit_links (parent_lot_id, child_lot_id, parent_build_id, child_build_id)
           SELECT d.id, u.id, d.build_id, u.build_id FROM lots d, lots u WHERE d.id = ? AND u.id = ?
           RETURNING parent_build_id, child_lot_id
         )
         UPDATE build_consumptions c SET linked = true FROM link
         WHERE c.build_id = link.parent_build_id AND c.lot_id = link.child_lot_id AND NOT c.linked`,
        [deviceLotId, unitLotId],
      );
    },
    async installed(deviceLotId) {
      const changes = (await db('device_component_changes')
        .where({ device_lot_id: deviceLotId, is_unit: false })
        .orderBy('id')
        .select('removed_lot_id', 'installed_lot_id', 'quantity', 'history_event_id')
        .options(PREPARE)) as {
        removed_lot_id: number | null;
        installed_lot_id: number | null;
        quantity: number;
        history_event_id: number;
      }[];
      // Replayed in order, as device_component_state decides presence: taking a lot out removes all
      // of it; a part replaced from the same lot leaves the count as it was.
      const held = new Map<number, { quantity: number; historyEventId: number }>();
      for (const c of changes) {
        const removed = c.removed_lot_id === null ? null : Number(c.removed_lot_id);
        const installed = c.installed_lot_id === null ? null : Number(c.installed_lot_id);
        const event = Number(c.history_event_id);
        if (removed !== null && removed === installed) {
          const entry = held.get(removed);
          held.set(removed, { quantity: entry?.quantity ?? c.quantity, historyEventId: event });
          continue;
        }
        if (removed !== null) held.delete(removed);
        if (installed !== null) {
          const entry = held.get(installed);
          held.set(installed, { quantity: (entry?.quantity ?? 0) + c.quantity, historyEventId: event });
        }
      }
      return [...held].map(([lotId, h]) => ({ lotId, ...h }));
    },
    async removed(deviceLotId) {
      const rows = (await db('device_component_state')
        .where({ device_lot_id: deviceLotId, present: false })
        .pluck('lot_id')
        .options(PREPARE)) as number[];
      return rows.map(Number);
    },
  };
}
