import type { Knex } from 'knex';
import type { NewPart, PartPatch, PartRepository } from '../../commands/ports.ts';
import type { Fields, Part, PartKind } from '../../domain/types.ts';
import { defined, json, paginate } from './shared.ts';

export interface PartRow {
  id: number;
  code: string;
  name: string;
  kind: PartKind;
  description: string | null;
  manufacturer: string | null;
  mpn: string | null;
  value: string | null;
  footprint: string | null;
  gtin: string | null;
  fields: Fields;
  created_at: Date;
  updated_at: Date;
}

export const toPart = (r: PartRow): Part => ({
  id: r.id,
  code: r.code,
  name: r.name,
  kind: r.kind,
  description: r.description,
  manufacturer: r.manufacturer,
  mpn: r.mpn,
  value: r.value,
  footprint: r.footprint,
  gtin: r.gtin,
  fields: r.fields,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const columns = (p: PartPatch) =>
  defined({
    name: p.name,
    kind: p.kind,
    description: p.description,
    manufacturer: p.manufacturer,
    mpn: p.mpn,
    value: p.value,
    footprint: p.footprint,
    gtin: p.gtin,
    fields: p.fields === undefined ? undefined : json(p.fields),
  });

export function partRepository(db: Knex | Knex.Transaction): PartRepository {
  return {
    async insert(part: NewPart) {
      const [row] = await db('parts')
        .insert({ code: part.code, ...columns(part) })
        .returning('*');
      return toPart(row as PartRow);
    },
    async update(id, patch) {
      const [row] = await db('parts')
        .where({ id })
        .update({ ...columns(patch), updated_at: db.fn.now() })
        .returning('*');
      return toPart(row as PartRow);
    },
    async delete(id) {
      await db('parts').where({ id }).delete();
    },
    async findByCode(code) {
      const row = await db<PartRow>('parts').where({ code }).first();
      return row ? toPart(row) : null;
    },
    async findByMpns(mpns) {
      if (mpns.length === 0) return [];
      const rows = await db<PartRow>('parts').whereRaw('upper(mpn) = ANY(?)', [
        mpns.map((m) => m.toUpperCase()),
      ]);
      return rows.map(toPart);
    },
    list(filter, page) {
      const q = db('parts').select('*');
      if (filter.kind) q.where('kind', filter.kind);
      if (filter.search) {
        const like = `%${filter.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        q.where((w) => w.whereILike('name', like).orWhereILike('mpn', like).orWhereILike('value', like));
      }
      return paginate(q, 'id', page, toPart);
    },
  };
}
