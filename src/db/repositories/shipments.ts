import type { Knex } from 'knex';
import type { Shipment, ShipmentRepository, ShipmentUnit } from '../../commands/ports.ts';
import { shipmentNumber, type ShipmentStatus } from '../../domain/shipments.ts';
import type { StockStatus } from '../../domain/types.ts';
import { paginate } from './shared.ts';

interface ShipmentRow {
  id: number;
  customer: string;
  order_ref: string | null;
  note: string | null;
  status: ShipmentStatus;
  count: number;
  created_by: string;
  created_at: Date;
  shipped_on: string | null;
  shipped_at: Date | null;
  shipped_by: string | null;
}

interface UnitRow {
  lot_id: number;
  code: string;
  part_code: string;
  part_name: string;
  build_code: string | null;
  serial: number | null;
  serial_label: string | null;
  status: StockStatus;
  added_by: string;
  added_at: Date;
}

const toShipment = (r: ShipmentRow): Shipment => ({
  id: r.id,
  number: shipmentNumber(r.id),
  customer: r.customer,
  order: r.order_ref,
  note: r.note,
  status: r.status,
  count: r.count,
  createdBy: r.created_by,
  createdAt: r.created_at,
  shippedOn: r.shipped_on,
  shippedAt: r.shipped_at,
  shippedBy: r.shipped_by,
});

const toUnit = (r: UnitRow): ShipmentUnit => ({
  lotId: r.lot_id,
  code: r.code,
  partCode: r.part_code,
  partName: r.part_name,
  buildCode: r.build_code,
  serial: r.serial,
  serialLabel: r.serial_label,
  status: r.status,
  addedBy: r.added_by,
  addedAt: r.added_at,
});

/** Shipments with the number of units packed in (or shipped with) each. */
const shipmentQuery = (db: Knex | Knex.Transaction) =>
  db('shipments as s').select(
    's.*',
    db.raw(
      `(SELECT count(*)::int FROM shipment_units u WHERE u.shipment_id = s.id AND u.state <> 'removed') AS count`,
    ),
  );

/** The units in shipments (packed or shipped; not those taken out again), with their devices' facts. */
const unitQuery = (db: Knex | Knex.Transaction) =>
  db('shipment_units as u')
    .join('lots as l', 'l.id', 'u.lot_id')
    .join('parts as p', 'p.id', 'l.part_id')
    .leftJoin('builds as b', 'b.id', 'l.build_id')
    .whereNot('u.state', 'removed')
    .select(
      'u.lot_id',
      'l.code',
      'p.code as part_code',
      'p.name as part_name',
      'b.code as build_code',
      'l.serial',
      'l.serial_label',
      'l.status',
      'u.added_by',
      'u.added_at',
    );

/** `%` and `_` taken literally in a LIKE pattern. */
const likeLiteral = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

export function shipmentRepository(db: Knex | Knex.Transaction): ShipmentRepository {
  const byId = async (id: number, lock = false) => {
    const q = shipmentQuery(db).where('s.id', id);
    if (lock) q.forUpdate('s');
    const row = (await q.first()) as ShipmentRow | undefined;
    return row ? toShipment(row) : null;
  };
  return {
    async insert(shipment) {
      const [row] = (await db('shipments')
        .insert({
          customer: shipment.customer,
          order_ref: shipment.order,
          note: shipment.note,
          created_by: shipment.createdBy,
        })
        .returning('id')) as { id: number }[];
      return (await byId(row!.id))!;
    },
    findById: (id, options) => byId(id, options?.lock),
    list(page, filter) {
      const q = shipmentQuery(db);
      if (filter.status) q.where('s.status', filter.status);
      if (filter.customer)
        q.whereRaw(`lower(s.customer) LIKE ? ESCAPE '\\'`, [
          `%${likeLiteral(filter.customer.toLowerCase())}%`,
        ]);
      return paginate(q, 's.id', page, toShipment);
    },
    async units(shipmentId) {
      return ((await unitQuery(db).where('u.shipment_id', shipmentId).orderBy('u.id')) as UnitRow[]).map(
        toUnit,
      );
    },
    async findUnit(shipmentId, lotId) {
      const row = (await unitQuery(db).where({ 'u.shipment_id': shipmentId, 'u.lot_id': lotId }).first()) as
        UnitRow | undefined;
      return row ? toUnit(row) : null;
    },
    async packedIn(lotId) {
      const row = (await db('shipment_units')
        .where({ lot_id: lotId, state: 'packed' })
        .first('shipment_id')) as { shipment_id: number } | undefined;
      return row ? byId(row.shipment_id) : null;
    },
    async addUnit(shipmentId, lotId, addedBy) {
      await db('shipment_units').insert({ shipment_id: shipmentId, lot_id: lotId, added_by: addedBy });
    },
    async removeUnit(shipmentId, lotId, removedBy) {
      const changed = await db('shipment_units')
        .where({ shipment_id: shipmentId, lot_id: lotId, state: 'packed' })
        .update({ state: 'removed', removed_by: removedBy, removed_at: db.fn.now() });
      return changed > 0;
    },
    async markShipped(id, shipped) {
      await db('shipment_units').where({ shipment_id: id, state: 'packed' }).update({ state: 'shipped' });
      await db('shipments').where({ id, status: 'open' }).update({
        status: 'shipped',
        shipped_on: shipped.shippedOn,
        shipped_by: shipped.shippedBy,
        shipped_at: db.fn.now(),
      });
      return (await byId(id))!;
    },
  };
}
