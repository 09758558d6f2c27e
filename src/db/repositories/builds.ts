import type { Knex } from 'knex';
import type { BuildPatch, BuildRepository, Consumption } from '../../commands/ports.ts';
import type {
  Build,
  BuildOperation,
  BuildOperationKind,
  BuildStage,
  BuildStatus,
} from '../../domain/builds.ts';
import { paginate } from './shared.ts';
import { PREPARE } from '../knex.ts';

interface BuildRow {
  id: number;
  code: string;
  project_id: number;
  project_code: string;
  project_name: string;
  produced_part_id: number;
  produced_part_code: string;
  quantity: number;
  status: BuildStatus;
  track_units: boolean;
  add_stock: boolean;
  serial_format: string | null;
  serial_seq_start: number | null;
  serial_date: Date | null;
  units_generated: number;
  units_completed: number;
  units_scrapped: number;
  units_cancelled: number;
  requested_lots: { lot: string }[];
  requested_pairing: { serial: number; units: string[] }[];
  location_code: string | null;
  note: string | null;
  created_by: string;
  start_error: Build['startError'];
  blocked: Build['blocked'];
  created_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
  cancelled_at: Date | null;
}

interface StageRow {
  build_id: number;
  position: number;
  name: string;
  completed_at: Date | null;
  completed_by: string | null;
  comment: string | null;
}

interface OperationRow {
  id: number;
  build_id: number;
  kind: BuildOperationKind;
  params: Record<string, unknown>;
  status: BuildOperation['status'];
  result: Record<string, unknown> | null;
  error: string | null;
  requested_by: string;
  created_at: Date;
  finished_at: Date | null;
}

type BuildWithRequests = Build;

const toBuild = (r: BuildRow, stages: BuildStage[]): BuildWithRequests => ({
  id: r.id,
  code: r.code,
  projectId: r.project_id,
  projectCode: r.project_code,
  projectName: r.project_name,
  producedPartId: r.produced_part_id,
  producedPartCode: r.produced_part_code,
  quantity: r.quantity,
  status: r.status,
  trackUnits: r.track_units,
  addStock: r.add_stock,
  stages,
  serialFormat: r.serial_format,
  serialSeqStart: r.serial_seq_start,
  serialDate: r.serial_date,
  unitsGenerated: r.units_generated,
  unitsCompleted: r.units_completed,
  unitsScrapped: r.units_scrapped,
  unitsCancelled: r.units_cancelled,
  note: r.note,
  createdBy: r.created_by,
  createdAt: r.created_at,
  startedAt: r.started_at,
  completedAt: r.completed_at,
  cancelledAt: r.cancelled_at,
  startError: r.start_error,
  blocked: r.blocked,
  requestedLots: r.requested_lots,
  requestedPairing: r.requested_pairing,
  locationCode: r.location_code,
});

const toOperation = (r: OperationRow): BuildOperation => ({
  id: r.id,
  buildId: r.build_id,
  kind: r.kind,
  params: r.params,
  status: r.status,
  result: r.result,
  error: r.error,
  requestedBy: r.requested_by,
  createdAt: r.created_at,
  finishedAt: r.finished_at,
});

const buildQuery = (db: Knex | Knex.Transaction) =>
  db('builds as b')
    .join('projects as pr', 'pr.id', 'b.project_id')
    .join('parts as p', 'p.id', 'b.produced_part_id')
    .select('b.*', 'pr.code as project_code', 'pr.name as project_name', 'p.code as produced_part_code');

const toStage = (s: StageRow): BuildStage => ({
  position: s.position,
  name: s.name,
  completedAt: s.completed_at,
  completedBy: s.completed_by,
  comment: s.comment,
});

async function withStages(db: Knex | Knex.Transaction, rows: BuildRow[]): Promise<BuildWithRequests[]> {
  if (rows.length === 0) return [];
  const stages = (await db('build_stages')
    .whereIn(
      'build_id',
      rows.map((r) => r.id),
    )
    .orderBy(['build_id', 'position'])) as StageRow[];
  const byBuild = new Map<number, BuildStage[]>();
  for (const s of stages) byBuild.set(s.build_id, [...(byBuild.get(s.build_id) ?? []), toStage(s)]);
  return rows.map((r) => toBuild(r, byBuild.get(r.id) ?? []));
}

export function buildRepository(db: Knex | Knex.Transaction): BuildRepository {
  const one = async (q: Knex.QueryBuilder, lock?: boolean) => {
    if (lock) q.forUpdate('b');
    const row = (await q.first()) as BuildRow | undefined;
    return row ? (await withStages(db, [row]))[0]! : null;
  };
  const byId = async (id: number) => (await one(buildQuery(db).where('b.id', id)))!;
  return {
    async stagesOf(buildId) {
      return (
        (await db('build_stages')
          .where('build_id', buildId)
          .orderBy('position')
          .options(PREPARE)) as StageRow[]
      ).map(toStage);
    },
    async insert(b) {
      const [row] = (await db('builds')
        .insert({
          code: b.code,
          project_id: b.projectId,
          produced_part_id: b.producedPartId,
          quantity: b.quantity,
          track_units: b.trackUnits,
          add_stock: b.addStock,
          serial_format: b.serialFormat,
          requested_lots: JSON.stringify(b.requestedLots),
          requested_pairing: JSON.stringify(b.requestedPairing),
          location_code: b.locationCode,
          note: b.note,
          created_by: b.createdBy,
        })
        .returning('id')) as { id: number }[];
      if (b.stages.length > 0) {
        await db('build_stages').insert(
          b.stages.map((name, i) => ({ build_id: row!.id, position: i + 1, name })),
        );
      }
      return byId(row!.id);
    },
    findByCode: (code, options) => one(buildQuery(db).where('b.code', code), options?.lock),
    findById: (id, options) => one(buildQuery(db).where('b.id', id), options?.lock),
    async update(id, patch: BuildPatch) {
      const now = db.fn.now();
      const columns: Record<string, unknown> = { updated_at: now };
      if (patch.status !== undefined) columns.status = patch.status;
      if (patch.serialSeqStart !== undefined) columns.serial_seq_start = patch.serialSeqStart;
      if (patch.unitsGenerated !== undefined) columns.units_generated = patch.unitsGenerated;
      if (patch.unitsCompleted !== undefined) columns.units_completed = patch.unitsCompleted;
      if (patch.unitsScrapped !== undefined) columns.units_scrapped = patch.unitsScrapped;
      if (patch.unitsCancelled !== undefined) columns.units_cancelled = patch.unitsCancelled;
      if (patch.startedAt) columns.started_at = now;
      if (patch.completedAt) columns.completed_at = now;
      if (patch.cancelledAt) columns.cancelled_at = now;
      if (patch.startError !== undefined)
        columns.start_error = patch.startError === null ? null : JSON.stringify(patch.startError);
      if (patch.serialDate !== undefined) columns.serial_date = patch.serialDate;
      if (patch.blocked !== undefined)
        columns.blocked = patch.blocked === null ? null : JSON.stringify(patch.blocked);
      await db('builds').where({ id }).update(columns);
      return byId(id);
    },
    async completeStage(buildId, position, actor, comment) {
      await db('build_stages')
        .where({ build_id: buildId, position })
        .update({ completed_at: db.fn.now(), completed_by: actor, comment });
    },
    async list(filter, page) {
      const q = buildQuery(db);
      if (filter.projectId !== undefined) q.where('b.project_id', filter.projectId);
      if (filter.status !== undefined) q.where('b.status', filter.status);
      if (filter.createdFrom !== undefined) q.where('b.created_at', '>=', filter.createdFrom);
      if (filter.createdTo !== undefined)
        q.where('b.created_at', '<', db.raw("?::date + interval '1 day'", [filter.createdTo]));
      const result = await paginate(q, 'b.id', page, (r: BuildRow) => r);
      return { items: await withStages(db, result.items), nextCursor: result.nextCursor };
    },

    async insertOperation(op) {
      const [row] = (await db('build_operations')
        .insert({
          build_id: op.buildId,
          kind: op.kind,
          params: JSON.stringify(op.params),
          requested_by: op.requestedBy,
        })
        .returning('*')) as OperationRow[];
      return toOperation(row!);
    },
    async queuedOperation(buildId) {
      const row = (await db('build_operations')
        .where({ build_id: buildId, status: 'queued' })
        .whereNot({ kind: 'generate' })
        .first()) as OperationRow | undefined;
      return row ? toOperation(row) : null;
    },
    async queuedGeneration(buildId) {
      const row = (await db('build_operations')
        .where({ build_id: buildId, status: 'queued', kind: 'generate' })
        .first()) as OperationRow | undefined;
      return row ? toOperation(row) : null;
    },
    async latestOperation(buildId) {
      const row = (await db('build_operations')
        .where({ build_id: buildId })
        .orderBy('id', 'desc')
        .first()) as OperationRow | undefined;
      return row ? toOperation(row) : null;
    },
    async lastOperation(buildId, kind) {
      const row = (await db('build_operations')
        .where({ build_id: buildId, kind })
        .whereNot({ status: 'failed' })
        .orderBy('id', 'desc')
        .first()) as OperationRow | undefined;
      return row ? toOperation(row) : null;
    },
    async findOperation(id, options) {
      const q = db('build_operations').where({ id });
      if (options?.lock) q.forUpdate();
      const row = (await q.first()) as OperationRow | undefined;
      return row ? toOperation(row) : null;
    },
    async finishOperation(id, outcome) {
      const [row] = (await db('build_operations')
        .where({ id })
        .update({
          status: outcome.status,
          result: outcome.status === 'done' ? JSON.stringify(outcome.result) : null,
          error: outcome.status === 'failed' ? outcome.error : null,
          finished_at: db.fn.now(),
        })
        .returning('*')) as OperationRow[];
      return toOperation(row!);
    },
    async listOperations(buildId) {
      return (
        (await db('build_operations').where({ build_id: buildId }).orderBy('id')) as OperationRow[]
      ).map(toOperation);
    },

    async recordConsumptions(buildId, allocations) {
      if (allocations.length === 0) return;
      await db.raw(
        `INSERT INTO build_consumptions (build_id, lot_id, part_id, quantity, source_build_id)
         SELECT ?, t.lot_id, t.part_id, t.quantity, l.build_id
         FROM unnest(?::bigint[], ?::bigint[], ?::int[]) WITH ORDINALITY AS t(lot_id, part_id, quantity, n)
         JOIN lots l ON l.id = t.lot_id
         ORDER BY t.n`,
        [
          buildId,
          allocations.map((a) => a.lotId),
          allocations.map((a) => a.partId),
          allocations.map((a) => a.quantity),
        ],
      );
    },
    async consumptions(buildId) {
      const rows = (await db('build_consumptions as c')
        .join('lots as l', 'l.id', 'c.lot_id')
        .join('parts as p', 'p.id', 'c.part_id')
        .leftJoin('builds as sb', 'sb.id', 'l.build_id')
        .where('c.build_id', buildId)
        .orderBy('c.id')
        .select(
          'c.id',
          'c.lot_id',
          'l.code as lot_code',
          'c.part_id',
          'p.code as part_code',
          'p.name as part_name',
          'c.quantity',
          'c.returned',
          'l.supplier',
          'l.supplier_order',
          'l.date_code',
          'l.serial',
          'l.build_id as source_build_id',
          'sb.code as source_build_code',
        )) as {
        id: number;
        lot_id: number;
        lot_code: string;
        part_id: number;
        part_code: string;
        part_name: string;
        quantity: number;
        returned: number;
        supplier: string | null;
        supplier_order: string | null;
        date_code: string | null;
        serial: number | null;
        source_build_id: number | null;
        source_build_code: string | null;
      }[];
      return rows.map((r): Consumption => ({
        id: r.id,
        lotId: r.lot_id,
        lotCode: r.lot_code,
        partId: r.part_id,
        partCode: r.part_code,
        partName: r.part_name,
        quantity: r.quantity,
        returned: r.returned,
        supplier: r.supplier,
        supplierOrder: r.supplier_order,
        dateCode: r.date_code,
        isUnit: r.serial !== null,
        serial: r.serial,
        sourceBuildId: r.source_build_id,
        sourceBuildCode: r.source_build_code,
      }));
    },
    async addReturned(consumptionId, quantity) {
      await db('build_consumptions').where({ id: consumptionId }).increment('returned', quantity);
    },
    async reserveSerials(partId, n) {
      const result = await db.raw<{ rows: { first: number }[] }>(
        `INSERT INTO serial_counters (part_id, next_seq) VALUES (?, 1 + ?)
         ON CONFLICT (part_id) DO UPDATE SET next_seq = serial_counters.next_seq + ?
         RETURNING next_seq - ? AS first`,
        [partId, n, n, n],
      );
      return result.rows[0]!.first;
    },
  };
}
