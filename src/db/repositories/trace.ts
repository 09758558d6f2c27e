/**
 * Traceability queries over the `trace_edges` view. The forward trace is one recursive query: the
 * working set of each level is joined to the edges as a whole (hash joins), so reaching 100,000
 * devices costs a few set operations rather than 100,000 lookups.
 */
import type { Knex } from 'knex';
import type { LotSummary, TraceFilter, TraceRepository, TracedLot } from '../../commands/ports.ts';
import { decodeCursor, encodeCursor } from '../../domain/page.ts';
import { ValidationError } from '../../domain/errors.ts';
import type { StockStatus } from '../../domain/types.ts';

const MAX_DEPTH = 12;

interface TracedRow {
  id: number;
  code: string;
  part_code: string;
  part_name: string;
  status: StockStatus;
  quantity: number;
  serial: number | null;
  serial_label: string | null;
  build_code: string | null;
  location_code: string | null;
  depth: number;
}

const toTraced = (r: TracedRow): TracedLot => ({
  id: r.id,
  code: r.code,
  partCode: r.part_code,
  partName: r.part_name,
  status: r.status,
  quantity: r.quantity,
  serial: r.serial,
  serialLabel: r.serial_label,
  buildCode: r.build_code,
  locationCode: r.location_code,
  depth: r.depth,
});

interface SummaryRow {
  id: number;
  code: string;
  part_code: string;
  part_name: string;
  status: StockStatus;
  quantity: number;
  serial: number | null;
  serial_label: string | null;
  supplier: string | null;
  supplier_order: string | null;
  date_code: string | null;
  build_id: number | null;
  build_code: string | null;
}

const toSummary = (r: SummaryRow): LotSummary => ({
  id: r.id,
  code: r.code,
  partCode: r.part_code,
  partName: r.part_name,
  status: r.status,
  quantity: r.quantity,
  serial: r.serial,
  serialLabel: r.serial_label,
  supplier: r.supplier,
  supplierOrder: r.supplier_order,
  dateCode: r.date_code,
  buildId: r.build_id,
  buildCode: r.build_code,
});

const SUMMARY_COLUMNS = `l.id, l.code, p.code AS part_code, p.name AS part_name, l.status, l.quantity, l.serial, l.serial_label,
  l.supplier, l.supplier_order, l.date_code, l.build_id, b.code AS build_code`;

/** The affected lots of a forward trace with the filters applied, as SQL and bindings. */
function affectedSql(lotId: number, filter: TraceFilter): { sql: string; bindings: unknown[] } {
  const where: string[] = [];
  const bindings: unknown[] = [lotId, MAX_DEPTH];
  if (filter.statuses && filter.statuses.length > 0) {
    where.push('l.status = ANY(?::text[])');
    bindings.push(filter.statuses);
  }
  if (filter.builtFrom) {
    where.push('b.started_at >= ?::date');
    bindings.push(filter.builtFrom);
  }
  if (filter.builtTo) {
    where.push(`b.started_at < ?::date + interval '1 day'`);
    bindings.push(filter.builtTo);
  }
  if (filter.unitsOnly) where.push('l.serial IS NOT NULL');
  return {
    sql: `WITH RECURSIVE reach(lot_id, depth) AS (
            SELECT ?::bigint, 0
            UNION
            SELECT e.dst, r.depth + 1 FROM reach r JOIN trace_edges e ON e.src = r.lot_id WHERE r.depth < ?
          ),
          affected AS MATERIALIZED (
            SELECT l.id, l.code, p.code AS part_code, p.name AS part_name, l.status, l.quantity, l.serial, l.serial_label,
                   b.code AS build_code, loc.code AS location_code, a.depth, l.build_id, pr.name AS project_name
            FROM (SELECT lot_id, min(depth) AS depth FROM reach WHERE depth > 0 GROUP BY lot_id) a
            JOIN lots l ON l.id = a.lot_id
            JOIN parts p ON p.id = l.part_id
            LEFT JOIN builds b ON b.id = l.build_id
            LEFT JOIN projects pr ON pr.id = b.project_id
            LEFT JOIN locations loc ON loc.id = l.location_id
            ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
          )`,
    bindings,
  };
}

export function traceRepository(db: Knex | Knex.Transaction): TraceRepository {
  return {
    async forward(lotId, filter, page) {
      const after = decodeCursor(page.cursor);
      if (after === null) throw ValidationError.field('cursor', 'is not a cursor this API issued');
      const { sql, bindings } = affectedSql(lotId, filter);
      const result = await db.raw<{
        rows: {
          summary: {
            total: number;
            by_status: Record<string, number> | null;
            builds: { code: string; project_name: string; depth: number; affected: number }[] | null;
          };
          items: TracedRow[] | null;
        }[];
      }>(
        `${sql}
         SELECT
           (SELECT json_build_object(
              'total', (SELECT count(*) FROM affected),
              'by_status', (SELECT json_object_agg(status, n) FROM (SELECT status, count(*) AS n FROM affected GROUP BY status) s),
              'builds', (SELECT json_agg(x ORDER BY x.depth, x.code) FROM (
                  SELECT build_code AS code, project_name, min(depth) AS depth, count(*) AS affected
                  FROM affected WHERE build_code IS NOT NULL GROUP BY build_code, project_name) x)
           )) AS summary,
           (SELECT json_agg(i ORDER BY i.id) FROM (
              SELECT id, code, part_code, part_name, status, quantity, serial, serial_label, build_code, location_code, depth
              FROM affected WHERE id > ? ORDER BY id LIMIT ?) i) AS items`,
        [...bindings, after ?? 0, page.limit + 1] as unknown as readonly Knex.RawBinding[],
      );
      const row = result.rows[0]!;
      const rows = (row.items ?? []).map(toTraced);
      const items = rows.slice(0, page.limit);
      return {
        total: Number(row.summary.total),
        byStatus: row.summary.by_status ?? {},
        builds: (row.summary.builds ?? []).map((b) => ({
          code: b.code,
          projectName: b.project_name,
          depth: b.depth,
          affected: Number(b.affected),
        })),
        page: {
          items,
          nextCursor: rows.length > page.limit ? encodeCursor(items[items.length - 1]!.id) : null,
        },
      };
    },
    async forwardAll(lotId, filter) {
      const { sql, bindings } = affectedSql(lotId, filter);
      const result = await db.raw<{ rows: TracedRow[] }>(
        `${sql} SELECT id, code, part_code, part_name, status, quantity, serial, serial_label, build_code, location_code, depth FROM affected ORDER BY id`,
        bindings as unknown as readonly Knex.RawBinding[],
      );
      return result.rows.map(toTraced);
    },
    async lot(lotId) {
      const row = (
        await db.raw<{ rows: SummaryRow[] }>(
          `SELECT ${SUMMARY_COLUMNS} FROM lots l JOIN parts p ON p.id = l.part_id LEFT JOIN builds b ON b.id = l.build_id WHERE l.id = ?`,
          [lotId],
        )
      ).rows[0];
      return row ? toSummary(row) : null;
    },
    async build(buildId) {
      const row = (await db('builds as b')
        .join('projects as pr', 'pr.id', 'b.project_id')
        .where('b.id', buildId)
        .first('b.code', 'pr.name as project_name', 'b.started_at', 'b.completed_at')) as
        | { code: string; project_name: string; started_at: Date | null; completed_at: Date | null }
        | undefined;
      return row
        ? {
            code: row.code,
            projectName: row.project_name,
            startedAt: row.started_at,
            completedAt: row.completed_at,
          }
        : null;
    },
    async sharedComponents(buildId, limit) {
      const rows = (
        await db.raw<{ rows: (SummaryRow & { consumed: number })[] }>(
          `SELECT ${SUMMARY_COLUMNS}, c.quantity - c.returned AS consumed
         FROM build_consumptions c JOIN lots l ON l.id = c.lot_id JOIN parts p ON p.id = l.part_id LEFT JOIN builds b ON b.id = l.build_id
         WHERE c.build_id = ? AND c.returned < c.quantity
           AND NOT EXISTS (SELECT 1 FROM unit_links k WHERE k.child_lot_id = c.lot_id AND k.parent_build_id = c.build_id)
         ORDER BY c.id LIMIT ?`,
          [buildId, limit],
        )
      ).rows;
      return rows.map((r) => ({ lot: toSummary(r), quantity: r.consumed }));
    },
    async children(lotId) {
      const rows = (
        await db.raw<{ rows: SummaryRow[] }>(
          `SELECT ${SUMMARY_COLUMNS} FROM unit_links k JOIN lots l ON l.id = k.child_lot_id JOIN parts p ON p.id = l.part_id
         LEFT JOIN builds b ON b.id = l.build_id
         WHERE k.parent_lot_id = ? AND k.removed_at IS NULL ORDER BY k.id`,
          [lotId],
        )
      ).rows;
      return rows.map(toSummary);
    },
  };
}
