import type { Knex } from 'knex';
import type { LotPatch, LotRepository, NewLot } from '../../commands/ports.ts';
import type { Fields, Lot, StockStatus } from '../../domain/types.ts';
import { defined, json, paginate } from './shared.ts';
import { PREPARE } from '../knex.ts';

export interface LotRow {
  id: number;
  code: string;
  part_id: number;
  part_code: string;
  location_id: number | null;
  location_code: string | null;
  quantity: number;
  reserved: number;
  status: StockStatus;
  source: string;
  supplier: string | null;
  supplier_order: string | null;
  date_code: string | null;
  expires_on: string | null;
  fields: Fields;
  parent_lot_id: number | null;
  parent_lot_code: string | null;
  build_id: number | null;
  build_code: string | null;
  serial: number | null;
  serial_label: string | null;
  created_at: Date;
  updated_at: Date;
}

export const toLot = (r: LotRow): Lot => ({
  id: r.id,
  code: r.code,
  partId: r.part_id,
  partCode: r.part_code,
  locationId: r.location_id,
  locationCode: r.location_code,
  quantity: r.quantity,
  reserved: r.reserved,
  status: r.status,
  source: r.source,
  supplier: r.supplier,
  supplierOrder: r.supplier_order,
  dateCode: r.date_code,
  expiresOn: r.expires_on,
  fields: r.fields,
  parentLotId: r.parent_lot_id,
  parentLotCode: r.parent_lot_code,
  buildId: r.build_id,
  buildCode: r.build_code,
  serial: r.serial,
  serialLabel: r.serial_label,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** A lot's row with the codes of its part, location, parent lot and build (see {@link lotQuery}). */
const LOT_COLUMNS =
  'l.*, p.code AS part_code, loc.code AS location_code, parent.code AS parent_lot_code, b.code AS build_code';
const LOT_FROM = `lots l JOIN parts p ON p.id = l.part_id
  LEFT JOIN locations loc ON loc.id = l.location_id
  LEFT JOIN lots parent ON parent.id = l.parent_lot_id
  LEFT JOIN builds b ON b.id = l.build_id`;

/** Lots (`l`) with the codes of their part, location, parent lot and build, to narrow down. */
export function lotQuery(db: Knex | Knex.Transaction): Knex.QueryBuilder {
  return db.select(db.raw(LOT_COLUMNS)).from(db.raw(LOT_FROM));
}

/**
 * The lots one condition on `l` selects, as a fixed text: what every lookup by code or formatted
 * serial runs (a request's worth of query building, ~20 KB of garbage, saved), prepared.
 */
const lotsWhere = (db: Knex | Knex.Transaction, where: string, bindings: unknown[], lock?: boolean) =>
  db
    .raw<{ rows: LotRow[] }>(
      `SELECT ${LOT_COLUMNS} FROM ${LOT_FROM} WHERE ${where}${lock ? ' FOR UPDATE OF l' : ''}`,
      bindings as readonly Knex.RawBinding[],
    )
    .options(PREPARE);

const columns = (p: LotPatch & Partial<NewLot>) =>
  defined({
    quantity: p.quantity,
    status: p.status,
    status_before_quarantine: p.statusBeforeQuarantine,
    location_id: p.locationId,
    supplier: p.supplier,
    supplier_order: p.supplierOrder,
    date_code: p.dateCode,
    expires_on: p.expiresOn,
    fields: p.fields === undefined ? undefined : json(p.fields),
  });

export function lotRepository(db: Knex | Knex.Transaction): LotRepository {
  const byId = async (id: number) => toLot((await lotQuery(db).where('l.id', id).first()) as LotRow);
  return {
    async insert(lot) {
      const [row] = await db('lots')
        .insert({
          code: lot.code,
          part_id: lot.partId,
          source: lot.source,
          parent_lot_id: lot.parentLotId ?? null,
          build_id: lot.buildId ?? null,
          ...columns(lot),
        })
        .returning('id');
      return byId((row as { id: number }).id);
    },
    async findById(id) {
      const row = (await lotQuery(db).where('l.id', id).first()) as LotRow | undefined;
      return row ? toLot(row) : null;
    },
    async findByCode(code, options) {
      const row = (await lotsWhere(db, 'l.code = ? LIMIT 1', [code], options?.lock)).rows[0];
      return row ? toLot(row) : null;
    },
    async findBySerialLabel(label, options) {
      if (label === '' || label.length > 100) return [];
      const { rows } = await lotsWhere(
        db,
        'l.serial_label IS NOT NULL AND upper(l.serial_label) = upper(?) ORDER BY l.id LIMIT 10',
        [label],
        options?.lock,
      );
      return rows.map(toLot);
    },
    async statusBeforeQuarantine(id) {
      const row = (await db('lots').where({ id }).first('status_before_quarantine')) as
        { status_before_quarantine: StockStatus | null } | undefined;
      return row?.status_before_quarantine ?? null;
    },
    async producedBy(buildId, status) {
      const rows = (await lotQuery(db)
        .where({ 'l.build_id': buildId, 'l.status': status })
        .whereNull('l.serial')
        .orderBy('l.id')) as LotRow[];
      return rows.map(toLot);
    },
    async update(id, patch) {
      await db('lots')
        .where({ id })
        .update({ ...columns(patch), updated_at: db.fn.now() });
      return byId(id);
    },
    async findRecentSupplierReceipt(match) {
      const { supplierLot } = match;
      const row = (await lotQuery(db)
        .whereRaw('l.created_at > now() - make_interval(secs => ?)', [match.withinSeconds])
        .where((w) => {
          w.whereRaw("l.fields->>'supplierScan' = ?", [match.scan]);
          if (supplierLot !== undefined)
            w.orWhere((same) =>
              same
                .where('l.part_id', match.partId)
                .whereRaw('l.supplier IS NOT DISTINCT FROM ?::text', [match.supplier])
                .whereRaw('l.supplier_order IS NOT DISTINCT FROM ?::text', [match.supplierOrder])
                .whereRaw("l.fields->>'supplierLot' = ?", [supplierLot]),
            );
        })
        .orderBy('l.id', 'desc')
        .first()) as LotRow | undefined;
      return row ? toLot(row) : null;
    },
    list(filter, page) {
      // One statement text per combination of filters: prepared.
      const q = lotQuery(db).options(PREPARE);
      if (filter.partId !== undefined) q.where('l.part_id', filter.partId);
      if (filter.locationId !== undefined) q.where('l.location_id', filter.locationId);
      if (filter.status !== undefined) q.where('l.status', filter.status);
      if (filter.serialLabel !== undefined)
        q.whereNotNull('l.serial_label').whereRaw('upper(l.serial_label) = upper(?)', [filter.serialLabel]);
      if (filter.devices) q.whereNotNull('l.serial');
      if (!filter.empty) q.where('l.quantity', '>', 0);
      return paginate(q, 'l.id', page, toLot);
    },
  };
}
