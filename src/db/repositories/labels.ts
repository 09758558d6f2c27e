import type { Knex } from 'knex';
import type { LabelItem, LabelRun, LabelRunRepository, LabelSource } from '../../commands/ports.ts';
import { paginate } from './shared.ts';

interface RunRow {
  id: number;
  template: string;
  dpi: number | null;
  public_url: string | null;
  symbol: LabelRun['symbol'];
  source: LabelSource;
  total: number;
  done: number;
  status: LabelRun['status'];
  file_key: string | null;
  bytes: number | null;
  pages: number | null;
  error: string | null;
  requested_by: string;
  printer_id: number | null;
  printed: number;
  paused_state: string | null;
  paused_reason: string | null;
  paused_at: Date | null;
  reprint_of: number | null;
  reason: string | null;
  trigger: string | null;
  created_at: Date;
  finished_at: Date | null;
}

/**
 * A stored source in today's shape. Runs stored before serial lists carry one `serials` range
 * (answered as `ranges`) and no `includeScrapped`: they printed every unit, and still do.
 */
function toSource(source: LabelSource & { serials?: { first: number; last: number } }): LabelSource {
  if (source.kind !== 'build' || source.includeScrapped !== undefined) return source;
  const { serials, ...rest } = source;
  return { ...rest, ...(serials ? { ranges: [serials] } : {}), includeScrapped: true };
}

/** Units left out of a build's labels unless asked for: they are not (or no longer) products. */
const NOT_PRODUCTS = ['scrapped', 'cancelled', 'disposed'];

/** Narrows a query on a build's units (alias `l`) to the source's ranges and statuses. */
function unitsOf(q: Knex.QueryBuilder, source: Extract<LabelSource, { kind: 'build' }>, alias = 'l') {
  if (source.ranges && source.ranges.length > 0)
    q.whereRaw(
      `EXISTS (SELECT 1 FROM unnest(?::int[], ?::int[]) AS r(a, b) WHERE ${alias}.serial BETWEEN r.a AND r.b)`,
      [source.ranges.map((r) => r.first), source.ranges.map((r) => r.last)],
    );
  if (!source.includeScrapped) q.whereNotIn(`${alias}.status`, NOT_PRODUCTS);
  return q;
}

const toRun = (r: RunRow): LabelRun => ({
  id: r.id,
  template: r.template,
  dpi: r.dpi,
  publicUrl: r.public_url,
  symbol: r.symbol,
  source: toSource(r.source),
  total: r.total,
  done: r.done,
  status: r.status,
  fileKey: r.file_key,
  bytes: r.bytes,
  pages: r.pages,
  error: r.error,
  requestedBy: r.requested_by,
  printerId: r.printer_id === null ? null : Number(r.printer_id),
  printed: r.printed,
  pausedState: r.paused_state,
  pausedReason: r.paused_reason,
  pausedAt: r.paused_at,
  reprintOf: r.reprint_of === null ? null : Number(r.reprint_of),
  reason: r.reason,
  trigger: r.trigger,
  createdAt: r.created_at,
  finishedAt: r.finished_at,
});

const day = (d: Date | null) => (d ? d.toISOString().slice(0, 10) : undefined);

export function labelRunRepository(db: Knex | Knex.Transaction): LabelRunRepository {
  const byId = async (id: number, lock = false) => {
    const q = db('label_runs').where({ id });
    if (lock) q.forUpdate();
    const row = (await q.first()) as RunRow | undefined;
    return row ? toRun(row) : null;
  };
  return {
    async insert(run) {
      const [row] = (await db('label_runs')
        .insert({
          template: run.template,
          dpi: run.dpi,
          public_url: run.publicUrl ?? null,
          symbol: run.symbol ?? 'url',
          source: JSON.stringify(run.source),
          total: run.total,
          requested_by: run.requestedBy,
          printer_id: run.printerId ?? null,
          reprint_of: run.reprintOf ?? null,
          reason: run.reason ?? null,
          trigger: run.trigger ?? null,
        })
        .returning('*')) as RunRow[];
      return toRun(row!);
    },
    findById: (id, options) => byId(id, options?.lock),
    async update(id, patch) {
      const columns: Record<string, unknown> = {};
      if (patch.status !== undefined) columns.status = patch.status;
      if (patch.done !== undefined) columns.done = patch.done;
      if (patch.fileKey !== undefined) columns.file_key = patch.fileKey;
      if (patch.bytes !== undefined) columns.bytes = patch.bytes;
      if (patch.pages !== undefined) columns.pages = patch.pages;
      if (patch.error !== undefined) columns.error = patch.error;
      if (patch.printed !== undefined) columns.printed = patch.printed;
      if (patch.pause !== undefined) {
        columns.paused_state = patch.pause?.state ?? null;
        columns.paused_reason = patch.pause?.reason ?? null;
        columns.paused_at = patch.pause ? db.fn.now() : null;
      }
      if (patch.finished === true) columns.finished_at = db.fn.now();
      if (patch.finished === false) columns.finished_at = null;
      if (Object.keys(columns).length > 0) await db('label_runs').where({ id }).update(columns);
      return (await byId(id))!;
    },
    list: (page) => paginate(db('label_runs').select('*'), 'id', page, toRun),
    async lease(id, owner, ms) {
      const taken = await db('label_runs')
        .where({ id })
        .where((q) =>
          q.whereNull('lease_owner').orWhere('lease_owner', owner).orWhere('lease_until', '<', db.fn.now()),
        )
        .update({ lease_owner: owner, lease_until: db.raw(`now() + (? * interval '1 millisecond')`, [ms]) });
      return taken > 0;
    },
    async pausedPrintRuns(limit) {
      const rows = (await db('label_runs')
        .where({ status: 'paused' })
        .whereNotNull('printer_id')
        .whereNotIn('paused_state', ['in-doubt', 'disabled', 'requested'])
        .orderBy('paused_at')
        .limit(limit)) as RunRow[];
      return rows.map(toRun);
    },
    async releaseLease(id, owner) {
      await db('label_runs')
        .where({ id, lease_owner: owner })
        .update({ lease_owner: null, lease_until: null });
    },
    async count(source) {
      const q =
        source.kind === 'build'
          ? unitsOf(db('lots as l').where({ 'l.build_id': source.buildId }).whereNotNull('l.serial'), source)
          : source.kind === 'lots'
            ? db('lots').whereIn('id', source.lotIds)
            : source.kind === 'parts'
              ? db('parts').whereIn('id', source.partIds)
              : db('locations').whereIn('id', source.locationIds);
      const [row] = (await q.count('* as n')) as { n: number }[];
      return Number(row!.n);
    },
    async items(source, afterKey, limit): Promise<LabelItem[]> {
      if (source.kind === 'build') {
        const q = db('lots as l')
          .join('parts as p', 'p.id', 'l.part_id')
          .join('builds as b', 'b.id', 'l.build_id')
          .where('l.build_id', source.buildId)
          .where('l.serial', '>', afterKey)
          .orderBy('l.serial')
          .limit(limit)
          .select('l.serial', 'l.code', 'p.name', 'l.serial_label', 'b.code as build_code', 'b.started_at');
        unitsOf(q, source);
        const rows = (await q) as {
          serial: number;
          code: string;
          name: string;
          serial_label: string | null;
          build_code: string;
          started_at: Date | null;
        }[];
        return rows.map((r) => ({
          key: r.serial,
          code: r.code,
          title: r.name,
          serial: r.serial,
          ...(r.serial_label ? { serialLabel: r.serial_label } : {}),
          buildCode: r.build_code,
          ...(r.started_at ? { date: day(r.started_at) } : {}),
        }));
      }
      if (source.kind === 'lots') {
        // A lot's label says what the lot is: its quantity (a device has its serial instead), the
        // supplier's date code and the supplier; a lot a build made carries that build and its date,
        // as the build's own labels do. Never the day the lot was received or printed.
        const rows = (await db('lots as l')
          .join('parts as p', 'p.id', 'l.part_id')
          .leftJoin('builds as b', 'b.id', 'l.build_id')
          .whereIn('l.id', source.lotIds)
          .where('l.id', '>', afterKey)
          .orderBy('l.id')
          .limit(limit)
          .select(
            'l.id',
            'l.code',
            'p.name',
            'l.serial',
            'l.serial_label',
            'l.quantity',
            'l.supplier',
            'l.date_code',
            'b.code as build_code',
            'b.started_at',
          )) as {
          id: number;
          code: string;
          name: string;
          serial: number | null;
          serial_label: string | null;
          quantity: number;
          supplier: string | null;
          date_code: string | null;
          build_code: string | null;
          started_at: Date | null;
        }[];
        return rows.map((r) => ({
          key: r.id,
          code: r.code,
          title: r.name,
          ...(r.serial !== null ? { serial: r.serial } : { quantity: r.quantity }),
          ...(r.serial_label ? { serialLabel: r.serial_label } : {}),
          ...(r.supplier ? { supplier: r.supplier } : {}),
          ...(r.date_code ? { dateCode: r.date_code } : {}),
          ...(r.build_code ? { buildCode: r.build_code } : {}),
          ...(r.build_code && r.started_at ? { date: day(r.started_at) } : {}),
        }));
      }
      const table = source.kind === 'parts' ? 'parts' : 'locations';
      const ids = source.kind === 'parts' ? source.partIds : source.locationIds;
      const rows = (await db(table)
        .whereIn('id', ids)
        .where('id', '>', afterKey)
        .orderBy('id')
        .limit(limit)
        .select('id', 'code', 'name')) as {
        id: number;
        code: string;
        name: string;
      }[];
      return rows.map((r) => ({ key: r.id, code: r.code, title: r.name }));
    },
  };
}
