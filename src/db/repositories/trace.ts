/**
 * Traceability queries. The forward trace walks build by build where it can (see forward-trace.ts),
 * then counts and pages the reached lots from indexes; only the page's lots are joined to their
 * part, build and location.
 */
import type { Knex } from 'knex';
import type { LotSummary, TraceFilter, TraceRepository, TracedLot } from '../../commands/ports.ts';
import { decodeCursor, encodeCursor } from '../../domain/page.ts';
import { ValidationError } from '../../domain/errors.ts';
import type { StockStatus } from '../../domain/types.ts';
import { forwardReach, isTransaction } from './forward-trace.ts';
import { PREPARE } from '../knex.ts';

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
  customer: string | null;
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
  customer: r.customer,
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

/** A forward trace's reached lots, narrowed by the filters: whole builds and single lots. */
interface Affected {
  builds: Map<number, number>;
  /** Single lots not inside one of `builds`. */
  lots: Map<number, number>;
  /**
   * The depth of every lot reached on its own — also those inside a build reached whole later, at a
   * greater depth: a lot's depth is the shortest way to it.
   */
  lotDepths: Map<number, number>;
  /** The build of each lot in `lotDepths` (null: none). */
  lotBuilds: Map<number, number | null>;
  /** SQL condition on `l` (lots) for the per-lot filters, with its bindings. */
  where: string;
  bindings: unknown[];
}

async function affected(db: Knex | Knex.Transaction, lotId: number, filter: TraceFilter): Promise<Affected> {
  const reach = await forwardReach(db, lotId);
  const buildIds = [...reach.builds.keys()];
  const lotIds = [...reach.lots.keys()];
  // Build dates are a property of whole builds: filter those here, single lots in SQL.
  let builds = reach.builds;
  if ((filter.builtFrom || filter.builtTo) && buildIds.length > 0) {
    const q = db('builds').whereRaw('id = ANY(?::bigint[])', [buildIds]);
    if (filter.builtFrom) q.where('started_at', '>=', filter.builtFrom);
    if (filter.builtTo) q.whereRaw(`started_at < ?::date + interval '1 day'`, [filter.builtTo]);
    const kept = new Set(((await q.pluck('id')) as number[]).map(Number));
    builds = new Map([...builds].filter(([b]) => kept.has(b)));
  }
  let lots = reach.lots;
  if (lotIds.length > 0) {
    // Single lots inside a reached whole build are counted with it (their depth may be smaller).
    lots = new Map([...lots].filter(([id]) => !reach.builds.has(reach.lotBuilds.get(id) ?? -1)));
    if (filter.builtFrom || filter.builtTo) {
      const q = db('lots as l')
        .leftJoin('builds as b', 'b.id', 'l.build_id')
        .whereRaw('l.id = ANY(?::bigint[])', [[...lots.keys()]]);
      if (filter.builtFrom) q.where('b.started_at', '>=', filter.builtFrom);
      if (filter.builtTo) q.whereRaw(`b.started_at < ?::date + interval '1 day'`, [filter.builtTo]);
      const kept = new Set(((await q.pluck('l.id')) as number[]).map(Number));
      lots = new Map([...lots].filter(([id]) => kept.has(id)));
    }
  }
  const where = statusWhere(filter);
  return {
    builds,
    lots,
    lotDepths: reach.lots,
    lotBuilds: reach.lotBuilds,
    where: where.sql,
    bindings: where.bindings,
  };
}

/** The per-lot filters as an SQL condition on `l` (lots), with its bindings. */
function statusWhere(filter: TraceFilter): { sql: string; bindings: unknown[] } {
  const where: string[] = [];
  const bindings: unknown[] = [];
  if (filter.statuses && filter.statuses.length > 0) {
    where.push('l.status = ANY(?::text[])');
    bindings.push(filter.statuses);
  }
  if (filter.unitsOnly) where.push('l.serial IS NOT NULL');
  return { sql: where.length > 0 ? where.join(' AND ') : 'true', bindings };
}

const DETAIL_COLUMNS = `l.id, l.code, p.code AS part_code, p.name AS part_name, l.status, l.quantity, l.serial, l.serial_label,
  b.code AS build_code, loc.code AS location_code, l.build_id, shipment.customer`;

type DetailRow = Omit<TracedRow, 'depth'> & { build_id: number | null };

/** The lots `where` (on `l`) selects, with their part, build, location and customer, in id order. */
const detailQuery = (where: string) =>
  `SELECT ${DETAIL_COLUMNS} FROM lots l JOIN parts p ON p.id = l.part_id LEFT JOIN builds b ON b.id = l.build_id
   LEFT JOIN locations loc ON loc.id = l.location_id
   LEFT JOIN LATERAL (
     SELECT h.data->>'customer' AS customer FROM history_events h
     WHERE h.lot_id = l.id AND h.kind = 'shipped'
       AND NOT EXISTS (SELECT 1 FROM history_events c WHERE c.corrects_id = h.id)
     ORDER BY h.id DESC LIMIT 1
   ) shipment ON l.serial IS NOT NULL
   WHERE ${where} ORDER BY l.id`;

/** A reached lot with its depth: the smaller of its own and its whole build's. */
function withDepth(r: DetailRow, a: Affected, singleLotDepths: Map<number, number>): TracedLot {
  const depths = [
    singleLotDepths.get(r.id),
    r.build_id === null ? undefined : a.builds.get(r.build_id),
  ].filter((d): d is number => d !== undefined);
  return toTraced({ ...r, depth: Math.min(...depths) });
}

async function details(
  db: Knex | Knex.Transaction,
  ids: number[],
  a: Affected,
  singleLotDepths: Map<number, number>,
): Promise<TracedLot[]> {
  if (ids.length === 0) return [];
  const found = (await db.raw<{ rows: DetailRow[] }>(detailQuery('l.id = ANY(?::bigint[])'), [ids])).rows;
  return found.map((r) => withDepth(r, a, singleLotDepths));
}

/** What every page of a forward trace shares: the reach, its counts and its builds. */
interface ForwardSnapshot {
  at: number;
  reached: Affected;
  total: number;
  byStatus: Record<string, number>;
  builds: { code: string; projectName: string; depth: number; affected: number }[];
}

async function forwardSnapshot(
  db: Knex | Knex.Transaction,
  lotId: number,
  filter: TraceFilter,
): Promise<ForwardSnapshot> {
  type CountRow = { build_id: number | null; status: StockStatus; n: number };
  const reached = await affected(db, lotId, filter);
  const buildIds = [...reached.builds.keys()];
  const lotIds = [...reached.lots.keys()];
  // Counted per build and status in one statement: whole builds from the index on lots' build
  // (which holds status and serial: nothing else is read), single lots by id.
  const counts = (
    await db.raw<{ rows: CountRow[] }>(
      `SELECT l.build_id, l.status, count(*)::int AS n FROM lots l
         WHERE l.build_id = ANY(?::bigint[]) AND ${reached.where} GROUP BY l.build_id, l.status
         UNION ALL
         SELECT l.build_id, l.status, count(*)::int AS n FROM lots l
         WHERE l.id = ANY(?::bigint[]) AND ${reached.where} GROUP BY l.build_id, l.status`,
      [buildIds, ...reached.bindings, lotIds, ...reached.bindings] as readonly Knex.RawBinding[],
    )
  ).rows;
  const byStatus: Record<string, number> = {};
  const perBuild = new Map<number, number>();
  let total = 0;
  for (const c of counts) {
    total += c.n;
    byStatus[c.status] = (byStatus[c.status] ?? 0) + c.n;
    if (c.build_id !== null) perBuild.set(c.build_id, (perBuild.get(c.build_id) ?? 0) + c.n);
  }
  // Depth per build: the smallest of the whole build's and its single lots' (also those the whole
  // build covers: they may have been reached sooner on their own).
  const buildDepth = new Map(reached.builds);
  for (const [id, d] of reached.lotDepths) {
    const b = reached.lotBuilds.get(id);
    // Single lots the filters kept, and those a whole build reached (the filters keep) covers.
    if (b === null || b === undefined || (!reached.lots.has(id) && !reached.builds.has(b))) continue;
    buildDepth.set(b, Math.min(buildDepth.get(b) ?? d, d));
  }
  const names = perBuild.size
    ? ((await db('builds as b')
        .join('projects as pr', 'pr.id', 'b.project_id')
        .whereRaw('b.id = ANY(?::bigint[])', [[...perBuild.keys()]])
        .select('b.id', 'b.code', 'pr.name as project_name')) as {
        id: number;
        code: string;
        project_name: string;
      }[])
    : [];
  const builds = names
    .map((b) => ({
      code: b.code,
      projectName: b.project_name,
      depth: buildDepth.get(b.id) ?? 0,
      affected: perBuild.get(b.id) ?? 0,
    }))
    .sort((x, y) => x.depth - y.depth || x.code.localeCompare(y.code));

  return { at: Date.now(), reached, total, byStatus, builds };
}

/**
 * A forward trace's later pages (those asked with a cursor) reuse the reach and counts its first page
 * found, for a minute, in this process: paging through 200,000 reached devices 500 at a time would
 * otherwise walk the whole reach again for each of 400 pages. The first page always walks afresh, so
 * a new trace sees every build made since; the pages after it show the reach as it was then. Kept
 * per database handle (not inside a transaction), the most recent few.
 */
const SNAPSHOT_MS = 60_000;
const SNAPSHOTS_KEPT = 16;
const snapshots = new WeakMap<object, Map<string, ForwardSnapshot>>();

export function traceRepository(db: Knex | Knex.Transaction): TraceRepository {
  return {
    async forward(lotId, filter, page) {
      const after = decodeCursor(page.cursor);
      if (after === null) throw ValidationError.field('cursor', 'is not a cursor this API issued');
      const kept = isTransaction(db) ? undefined : (snapshots.get(db) ?? new Map<string, ForwardSnapshot>());
      if (kept && !snapshots.has(db)) snapshots.set(db, kept);
      const key = JSON.stringify([
        lotId,
        filter.statuses,
        filter.builtFrom,
        filter.builtTo,
        filter.unitsOnly,
      ]);
      let snapshot = after !== undefined ? kept?.get(key) : undefined;
      if (!snapshot || Date.now() - snapshot.at > SNAPSHOT_MS) {
        snapshot = await forwardSnapshot(db, lotId, filter);
        kept?.delete(key);
        kept?.set(key, snapshot);
        // Maps keep insertion order: the first key is the oldest.
        if (kept && kept.size > SNAPSHOTS_KEPT) kept.delete(kept.keys().next().value!);
      }
      const { reached, total, byStatus, builds } = snapshot;
      const buildIds = [...reached.builds.keys()];
      const lotIds = [...reached.lots.keys()];

      // The page: the next ids after the cursor, per whole build from its index, plus single lots.
      const pageIds = (
        await db.raw<{ rows: { id: number }[] }>(
          `SELECT x.id FROM (
             SELECT y.id FROM unnest(?::bigint[]) AS w(build_id)
             CROSS JOIN LATERAL (
               SELECT l.id FROM lots l WHERE l.build_id = w.build_id AND l.id > ? AND ${reached.where} ORDER BY l.id LIMIT ?
             ) y
             UNION ALL
             SELECT l.id FROM lots l WHERE l.id = ANY(?::bigint[]) AND l.id > ? AND ${reached.where}
           ) x ORDER BY x.id LIMIT ?`,
          [
            buildIds,
            after ?? 0,
            ...reached.bindings,
            page.limit + 1,
            lotIds,
            after ?? 0,
            ...reached.bindings,
            page.limit + 1,
          ] as readonly Knex.RawBinding[],
        )
      ).rows.map((r) => r.id);
      const items = await details(db, pageIds.slice(0, page.limit), reached, reached.lotDepths);
      return {
        total,
        byStatus,
        builds,
        page: {
          items,
          nextCursor: pageIds.length > page.limit ? encodeCursor(items[items.length - 1]!.id) : null,
        },
      };
    },
    async *forwardEach(lotId, filter, chunk = 2_000) {
      const reached = await affected(db, lotId, filter);
      // One query, read through a cursor a chunk at a time: a recall of 200,000 devices never holds
      // more than a chunk of rows (a cursor lives in a transaction: the one given, or its own).
      const rowsOf = async function* (trx: Knex.Transaction | Knex) {
        const name = `trace_forward_${Math.random().toString(36).slice(2, 10)}`;
        await trx.raw(
          `DECLARE ${name} NO SCROLL CURSOR FOR ${detailQuery(
            `(l.build_id = ANY(?::bigint[]) OR l.id = ANY(?::bigint[])) AND ${reached.where}`,
          )}`,
          [
            [...reached.builds.keys()],
            [...reached.lots.keys()],
            ...reached.bindings,
          ] as readonly Knex.RawBinding[],
        );
        try {
          for (;;) {
            const { rows } = await trx.raw<{ rows: DetailRow[] }>(`FETCH FORWARD ${chunk} FROM ${name}`);
            if (rows.length === 0) return;
            yield rows.map((r) => withDepth(r, reached, reached.lotDepths));
          }
        } finally {
          await trx.raw(`CLOSE ${name}`).catch(() => undefined);
        }
      };
      if (isTransaction(db)) {
        yield* rowsOf(db);
        return;
      }
      const trx = await db.transaction({ readOnly: true });
      try {
        yield* rowsOf(trx);
        await trx.commit();
      } finally {
        if (!trx.isCompleted()) await trx.rollback().catch(() => undefined);
      }
    },
    async lot(lotId) {
      const row = (
        await db
          .raw<{ rows: SummaryRow[] }>(
            `SELECT ${SUMMARY_COLUMNS} FROM lots l JOIN parts p ON p.id = l.part_id LEFT JOIN builds b ON b.id = l.build_id WHERE l.id = ?`,
            [lotId],
          )
          .options(PREPARE)
      ).rows[0];
      return row ? toSummary(row) : null;
    },
    async build(buildId) {
      const row = (await db('builds as b')
        .join('projects as pr', 'pr.id', 'b.project_id')
        .where('b.id', buildId)
        .first('b.code', 'pr.name as project_name', 'b.started_at', 'b.completed_at')
        .options(PREPARE)) as
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
        await db
          .raw<{ rows: (SummaryRow & { consumed: number })[] }>(
            `SELECT ${SUMMARY_COLUMNS}, c.quantity - c.returned AS consumed
         FROM build_consumptions c JOIN lots l ON l.id = c.lot_id JOIN parts p ON p.id = l.part_id LEFT JOIN builds b ON b.id = l.build_id
         WHERE c.build_id = ? AND NOT c.linked AND c.returned < c.quantity
         ORDER BY c.id LIMIT ?`,
            [buildId, limit],
          )
          .options(PREPARE)
      ).rows;
      return rows.map((r) => ({ lot: toSummary(r), quantity: r.consumed }));
    },
    async children(lotId) {
      const rows = (
        await db
          .raw<{ rows: SummaryRow[] }>(
            `SELECT ${SUMMARY_COLUMNS} FROM unit_links k JOIN lots l ON l.id = k.child_lot_id JOIN parts p ON p.id = l.part_id
         LEFT JOIN builds b ON b.id = l.build_id
         WHERE k.parent_lot_id = ? AND k.removed_at IS NULL ORDER BY k.id`,
            [lotId],
          )
          .options(PREPARE)
      ).rows;
      return rows.map(toSummary);
    },
  };
}
