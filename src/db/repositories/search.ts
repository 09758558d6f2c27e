import type { Knex } from 'knex';
import type { LotHit, NamedHit, SearchRepository } from '../../commands/ports.ts';
import { lotQuery, toLot, type LotRow } from './lots.ts';
import { toPart, type PartRow } from './parts.ts';

/** A LIKE pattern matching `text` literally: its `\`, `%` and `_` escaped (backslash is LIKE's escape). */
export const likeLiteral = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

const lotHits = (rows: (LotRow & { part_name: string })[]): LotHit[] =>
  rows.map((r) => ({ lot: toLot(r), partName: r.part_name }));

export function searchRepository(db: Knex | Knex.Transaction): SearchRepository {
  const lots = () => lotQuery(db).select('p.name as part_name');
  return {
    async lots(filter, limit) {
      const q = lots();
      if (filter.codes) q.whereIn('l.code', filter.codes);
      if (filter.ids) q.whereIn('l.id', filter.ids);
      if (filter.serialLabel !== undefined)
        q.whereNotNull('l.serial_label').whereRaw('upper(l.serial_label) = upper(?)', [filter.serialLabel]);
      return lotHits(await q.orderBy('l.id').limit(limit));
    },
    async lotsBySupplierOrder(order, limit) {
      const q = lots()
        .whereNotNull('l.supplier_order')
        .whereRaw('upper(l.supplier_order) = upper(?)', [order]);
      return lotHits(await q.orderBy('l.id', 'desc').limit(limit));
    },
    async lotsByDateCode(dateCode, limit) {
      const q = lots().whereNotNull('l.date_code').where('l.date_code', dateCode);
      return lotHits(await q.orderBy('l.id', 'desc').limit(limit));
    },
    async partsByMpnPrefix(prefix, limit) {
      // upper(mpn) LIKE 'PREFIX%' with text_pattern_ops: the index parts_mpn_upper_prefix answers it.
      const rows = (await db('parts')
        .whereNotNull('mpn')
        .whereRaw(`upper(mpn) LIKE ? ESCAPE '\\'`, [`${likeLiteral(prefix.toUpperCase())}%`])
        .orderByRaw('length(mpn), mpn, id')
        .limit(limit)) as PartRow[];
      return rows.map(toPart);
    },
    async byName(text, limit) {
      const like = `%${likeLiteral(text)}%`;
      const result = await db.raw<{ rows: NamedHit[] }>(
        `SELECT kind, code, name, detail FROM (
           SELECT 'part' AS kind, code, name, mpn AS detail, 1 AS o FROM parts WHERE name ILIKE :like ESCAPE '\\'
           UNION ALL SELECT 'project', code, name, description, 2 FROM projects WHERE name ILIKE :like ESCAPE '\\'
           UNION ALL SELECT 'location', code, name, description, 3 FROM locations WHERE name ILIKE :like ESCAPE '\\'
         ) found
         ORDER BY name ILIKE :start ESCAPE '\\' DESC, length(name), o, name
         LIMIT :limit`,
        { like, start: `${likeLiteral(text)}%`, limit },
      );
      return result.rows;
    },
  };
}
