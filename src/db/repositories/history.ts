import type { Knex } from 'knex';
import type { HistoryRepository, TestRepository } from '../../commands/ports.ts';
import { ValidationError } from '../../domain/errors.ts';
import type { HistoryEvent, HistoryKind } from '../../domain/history.ts';
import { decodeCursor, encodeCursor } from '../../domain/page.ts';
import { PREPARE } from '../knex.ts';

interface HistoryRow {
  id: number;
  lot_id: number;
  lot_code: string;
  kind: HistoryKind;
  data: Record<string, unknown>;
  actor: string;
  occurred_at: Date;
  corrects_id: number | null;
  corrected_by: number[] | null;
}

const toEvent = (r: HistoryRow): HistoryEvent => ({
  id: Number(r.id),
  lotId: Number(r.lot_id),
  lotCode: r.lot_code,
  kind: r.kind,
  data: r.data,
  actor: r.actor,
  occurredAt: r.occurred_at,
  corrects: r.corrects_id === null ? null : Number(r.corrects_id),
  correctedBy: (r.corrected_by ?? []).map(Number),
});

const SELECT = `h.id, h.lot_id, l.code AS lot_code, h.kind, h.data, h.actor, h.occurred_at, h.corrects_id,
  (SELECT array_agg(c.id ORDER BY c.id) FROM history_events c WHERE c.corrects_id = h.id) AS corrected_by`;

/** History events (append-only; the table's trigger refuses changes). */
export function historyRepository(db: Knex | Knex.Transaction): HistoryRepository {
  const byIds = async (ids: number[]) => {
    if (ids.length === 0) return [];
    const rows = (
      await db
        .raw<{ rows: HistoryRow[] }>(
          `SELECT ${SELECT} FROM history_events h JOIN lots l ON l.id = h.lot_id WHERE h.id = ANY(?::bigint[]) ORDER BY h.id`,
          [ids],
        )
        .options(PREPARE)
    ).rows;
    return rows.map(toEvent);
  };
  return {
    async append(actor, rows) {
      if (rows.length === 0) return [];
      const inserted = (
        await db.raw<{ rows: { id: number }[] }>(
          `INSERT INTO history_events (lot_id, kind, data, actor, corrects_id, test_name, passed)
           SELECT t.lot_id, t.kind, t.data, ?, t.corrects_id, t.test_name, t.passed
           FROM unnest(?::bigint[], ?::text[], ?::jsonb[], ?::bigint[], ?::text[], ?::boolean[], ?::int[])
             AS t(lot_id, kind, data, corrects_id, test_name, passed, ord)
           ORDER BY t.ord
           RETURNING id`,
          [
            actor,
            rows.map((r) => r.lotId),
            rows.map((r) => r.kind),
            rows.map((r) => JSON.stringify(r.data)),
            rows.map((r) => r.corrects ?? null),
            rows.map((r) => r.testName ?? null),
            rows.map((r) => r.passed ?? null),
            rows.map((_, i) => i),
          ] as unknown as readonly Knex.RawBinding[],
        )
      ).rows;
      // Ids follow the insert order; re-read so callers get the stored form (times, lot codes).
      return byIds(inserted.map((r) => Number(r.id)).sort((a, b) => a - b));
    },
    async findById(id) {
      return (await byIds([id]))[0] ?? null;
    },
    async list(lotId, filter, page) {
      const after = decodeCursor(page.cursor);
      if (after === null) throw ValidationError.field('cursor', 'is not a cursor this API issued');
      const where = ['h.lot_id = ?'];
      const bindings: unknown[] = [lotId];
      if (filter.kinds && filter.kinds.length > 0) {
        where.push('h.kind = ANY(?::text[])');
        bindings.push(filter.kinds);
      }
      if (after !== undefined) {
        where.push(page.order === 'asc' ? 'h.id > ?' : 'h.id < ?');
        bindings.push(after);
      }
      const rows = (
        await db
          .raw<{ rows: HistoryRow[] }>(
            `SELECT ${SELECT} FROM history_events h JOIN lots l ON l.id = h.lot_id
           WHERE ${where.join(' AND ')} ORDER BY h.id ${page.order === 'asc' ? 'ASC' : 'DESC'} LIMIT ?`,
            [...bindings, page.limit + 1] as unknown as readonly Knex.RawBinding[],
          )
          .options(PREPARE)
      ).rows;
      const items = rows.slice(0, page.limit).map(toEvent);
      const last = items[items.length - 1];
      return { items, nextCursor: rows.length > page.limit && last ? encodeCursor(last.id) : null };
    },
    async repairedSinceReturn(lotId) {
      const row = (
        await db.raw<{ rows: { ok: boolean }[] }>(
          `SELECT EXISTS (
             SELECT 1 FROM history_events h
             WHERE h.lot_id = ? AND h.kind IN ('repair', 'service')
               AND h.id > coalesce((SELECT max(r.id) FROM history_events r WHERE r.lot_id = ? AND r.kind = 'returned'), 0)
               AND NOT EXISTS (SELECT 1 FROM history_events c WHERE c.corrects_id = h.id)
           ) AS ok`,
          [lotId, lotId],
        )
      ).rows[0];
      return Boolean(row?.ok);
    },
  };
}

/** Required tests of projects, and which units lack a passing result. */
export function testRepository(db: Knex | Knex.Transaction): TestRepository {
  return {
    async required(projectId) {
      return (await db('project_required_tests')
        .where({ project_id: projectId })
        .orderBy('position')
        .pluck('name')) as string[];
    },
    async replaceRequired(projectId, names) {
      await db('project_required_tests').where({ project_id: projectId }).delete();
      if (names.length > 0)
        await db('project_required_tests').insert(
          names.map((name, position) => ({ project_id: projectId, position, name })),
        );
      return names;
    },
    async requiredForLots(lotIds) {
      const map = new Map<number, string[]>();
      if (lotIds.length === 0) return map;
      const rows = (
        await db.raw<{ rows: { lot_id: number; names: string[] }[] }>(
          `SELECT l.id AS lot_id, array_agg(t.name ORDER BY t.position) AS names
           FROM lots l JOIN builds b ON b.id = l.build_id JOIN project_required_tests t ON t.project_id = b.project_id
           WHERE l.id = ANY(?::bigint[]) GROUP BY l.id`,
          [lotIds],
        )
      ).rows;
      for (const r of rows) map.set(Number(r.lot_id), r.names);
      return map;
    },
    async missingRequired(buildId, serials) {
      // Most projects require no tests: answer without looking at the units.
      const required = (await db('project_required_tests as t')
        .join('builds as b', 'b.project_id', 't.project_id')
        .where('b.id', buildId)
        .first(db.raw('count(*)::int AS n'))) as { n: number } | undefined;
      if (!required || required.n === 0) return [];
      const rows = (
        await db.raw<{ rows: { lot_id: number; code: string; serial: number; missing: string[] }[] }>(
          `WITH req AS (
             SELECT t.name, lower(t.name) AS key, t.position FROM project_required_tests t
             JOIN builds b ON b.project_id = t.project_id WHERE b.id = ?
           ),
           units AS (
             SELECT id, code, serial FROM lots
             WHERE build_id = ? AND serial IS NOT NULL AND status = 'in_production'
               ${serials ? 'AND serial = ANY(?::int[])' : ''}
           ),
           latest AS (
             SELECT DISTINCT ON (h.lot_id, lower(h.test_name)) h.lot_id, lower(h.test_name) AS key, h.passed
             FROM history_events h JOIN units u ON u.id = h.lot_id
             WHERE h.kind = 'test_result'
               AND NOT EXISTS (SELECT 1 FROM history_events c WHERE c.corrects_id = h.id)
             ORDER BY h.lot_id, lower(h.test_name), h.id DESC
           )
           SELECT u.id AS lot_id, u.code, u.serial, array_agg(req.name ORDER BY req.position) AS missing
           FROM units u CROSS JOIN req
           LEFT JOIN latest x ON x.lot_id = u.id AND x.key = req.key
           WHERE x.passed IS NOT TRUE
           GROUP BY u.id, u.code, u.serial ORDER BY u.serial`,
          [buildId, buildId, ...(serials ? [serials] : [])] as unknown as readonly Knex.RawBinding[],
        )
      ).rows;
      return rows.map((r) => ({
        lotId: Number(r.lot_id),
        code: r.code,
        serial: r.serial,
        missing: r.missing,
      }));
    },
  };
}
