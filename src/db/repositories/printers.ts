import type { Knex } from 'knex';
import type { PrinterRepository, PrintRecordRepository } from '../../commands/ports.ts';
import type { LabelContent } from '../../domain/labels.ts';
import type {
  BatchMark,
  Printer,
  PrinterAssignment,
  PrinterDriverName,
  PrinterState,
  PrintRecord,
} from '../../domain/printers.ts';
import { PRINT_RECORD_STATUSES } from '../../domain/printers.ts';
import { paginate } from './shared.ts';

interface PrinterRow {
  id: string | number;
  name: string;
  driver: PrinterDriverName;
  address: string;
  template: string;
  dpi: number;
  location_id: string | number | null;
  description: string | null;
  enabled: boolean;
  state: PrinterState | null;
  state_message: string | null;
  state_at: Date | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

const toPrinter = (r: PrinterRow): Printer => ({
  id: Number(r.id),
  name: r.name,
  driver: r.driver,
  address: r.address,
  template: r.template,
  dpi: r.dpi,
  locationId: r.location_id === null ? null : Number(r.location_id),
  description: r.description,
  enabled: r.enabled,
  state: r.state,
  stateMessage: r.state_message,
  stateAt: r.state_at,
  version: r.version,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

interface AssignmentRow {
  scope: PrinterAssignment['scope'];
  scope_id: string | number;
  printer_id: string | number;
  auto_print: boolean;
  assigned_by: string;
  updated_at: Date;
}

const toAssignment = (r: AssignmentRow): PrinterAssignment => ({
  scope: r.scope,
  scopeId: Number(r.scope_id),
  printerId: Number(r.printer_id),
  autoPrint: r.auto_print,
  assignedBy: r.assigned_by,
  updatedAt: r.updated_at,
});

const COLUMNS: Record<string, string> = {
  name: 'name',
  driver: 'driver',
  address: 'address',
  template: 'template',
  dpi: 'dpi',
  locationId: 'location_id',
  description: 'description',
  enabled: 'enabled',
};

export function printerRepository(db: Knex | Knex.Transaction): PrinterRepository {
  const byId = async (id: number, lock = false) => {
    const q = db('printers').where({ id });
    if (lock) q.forUpdate();
    const row = (await q.first()) as PrinterRow | undefined;
    return row ? toPrinter(row) : null;
  };
  return {
    async insert(p) {
      const [row] = (await db('printers')
        .insert({
          name: p.name,
          driver: p.driver,
          address: p.address,
          template: p.template,
          dpi: p.dpi,
          location_id: p.locationId,
          description: p.description,
          enabled: p.enabled,
        })
        .returning('*')) as PrinterRow[];
      return toPrinter(row!);
    },
    findById: (id, options) => byId(id, options?.lock),
    async findByName(name) {
      const row = (await db('printers').whereRaw('lower(name) = lower(?)', [name]).first()) as
        PrinterRow | undefined;
      return row ? toPrinter(row) : null;
    },
    list: (page) =>
      paginate<{ id: number } & PrinterRow, Printer>(db('printers').select('*'), 'id', page, toPrinter),
    async update(id, patch) {
      const columns: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(patch))
        if (value !== undefined && COLUMNS[key]) columns[COLUMNS[key]] = value;
      if (Object.keys(columns).length > 0)
        await db('printers')
          .where({ id })
          .update({ ...columns, version: db.raw('version + 1'), updated_at: db.fn.now() });
      return (await byId(id))!;
    },
    async recordStatus(id, status) {
      await db('printers')
        .where({ id })
        .update({ state: status.state, state_message: status.message, state_at: db.fn.now() });
    },
    async delete(id) {
      if (await db('label_runs').where({ printer_id: id }).first('id')) return false;
      await db('printers').where({ id }).delete();
      return true;
    },
    async countOpenRuns(id) {
      const [row] = (await db('label_runs')
        .where({ printer_id: id })
        .whereIn('status', ['queued', 'printing', 'paused'])
        .count('* as n')) as { n: string }[];
      return Number(row!.n);
    },
    async assignment(scope, scopeId) {
      const row = (await db('printer_assignments').where({ scope, scope_id: scopeId }).first()) as
        AssignmentRow | undefined;
      return row ? toAssignment(row) : null;
    },
    async assign(a) {
      const [row] = (await db('printer_assignments')
        .insert({
          scope: a.scope,
          scope_id: a.scopeId,
          printer_id: a.printerId,
          auto_print: a.autoPrint,
          assigned_by: a.assignedBy,
        })
        .onConflict(['scope', 'scope_id'])
        .merge(['printer_id', 'auto_print', 'assigned_by', 'updated_at'])
        .returning('*')) as AssignmentRow[];
      return toAssignment(row!);
    },
    async unassign(scope, scopeId) {
      return (await db('printer_assignments').where({ scope, scope_id: scopeId }).delete()) > 0;
    },
    async assignmentsOf(printerId) {
      const rows = (await db('printer_assignments')
        .where({ printer_id: printerId })
        .orderBy(['scope', 'scope_id'])) as AssignmentRow[];
      return rows.map(toAssignment);
    },
  };
}

interface RecordRow {
  seq: number;
  code: string;
  status: PrintRecord['status'];
  batch_key: string | null;
  attempts: number;
  sent_at: Date | null;
  confirmed_at: Date | null;
}

const toRecord = (r: RecordRow & { id: number }): PrintRecord & { id: number } => ({
  id: r.seq,
  seq: r.seq,
  code: r.code,
  status: r.status,
  batchKey: r.batch_key,
  attempts: r.attempts,
  sentAt: r.sent_at,
  confirmedAt: r.confirmed_at,
});

export function printRecordRepository(db: Knex | Knex.Transaction): PrintRecordRepository {
  const sentOf = (runId: number, key: string) =>
    db('label_prints').where({ run_id: runId, batch_key: key, status: 'sent' });
  return {
    async lastCreated(runId) {
      const row = (await db('label_prints')
        .where({ run_id: runId })
        .orderBy('seq', 'desc')
        .first('seq', 'item_key')) as { seq: number; item_key: string } | undefined;
      return row ? { seq: row.seq, itemKey: Number(row.item_key) } : { seq: 0, itemKey: 0 };
    },
    async create(runId, items) {
      if (items.length === 0) return;
      await db('label_prints')
        .insert(
          items.map((i) => ({
            run_id: runId,
            seq: i.seq,
            item_key: i.itemKey,
            code: i.content.code,
            content: JSON.stringify(i.content),
          })),
        )
        .onConflict(['run_id', 'seq'])
        .ignore();
    },
    async nextQueued(runId, limit) {
      const rows = (await db('label_prints')
        .where({ run_id: runId, status: 'queued' })
        .orderBy('seq')
        .limit(limit)
        .select('seq', 'content')) as { seq: number; content: LabelContent }[];
      return rows;
    },
    async openBatch(runId, batch) {
      await db('label_print_batches').insert({
        key: batch.key,
        run_id: runId,
        first: batch.seqs[0],
        count: batch.seqs.length,
        mark: JSON.stringify(batch.mark),
      });
      return db('label_prints')
        .where({ run_id: runId, status: 'queued' })
        .whereIn('seq', batch.seqs)
        .update({
          status: 'sent',
          batch_key: batch.key,
          attempts: db.raw('attempts + 1'),
          sent_at: db.fn.now(),
        });
    },
    async openBatches(runId) {
      const rows = (await db('label_print_batches as b')
        .where({ 'b.run_id': runId, 'b.state': 'open' })
        .orderBy('b.first')
        .select(
          'b.key',
          'b.first',
          'b.mark',
          db.raw(
            `(SELECT count(*) FROM label_prints p WHERE p.run_id = b.run_id AND p.batch_key = b.key AND p.status = 'sent')::int AS sent`,
          ),
          db.raw(
            `(SELECT count(*) FROM label_prints p WHERE p.run_id = b.run_id AND p.batch_key = b.key AND p.status = 'confirmed')::int AS confirmed`,
          ),
        )) as { key: string; first: number; mark: BatchMark; sent: number; confirmed: number }[];
      return rows;
    },
    async settleBatch(runId, key, printed, held) {
      const batch = (await db('label_print_batches').where({ key, run_id: runId }).first('first')) as
        { first: number } | undefined;
      if (!batch) return 0;
      // Labels of the batch in seq order: its confirmed ones first (they were printed before).
      const seqs = (await db('label_prints')
        .where({ run_id: runId, batch_key: key })
        .whereIn('status', ['sent', 'confirmed'])
        .orderBy('seq')
        .pluck('seq')) as number[];
      const printedSeqs = seqs.slice(0, printed);
      const heldSeqs = seqs.slice(printed, printed + held);
      const confirmed = await db('label_prints')
        .where({ run_id: runId, status: 'sent' })
        .whereIn('seq', printedSeqs)
        .update({ status: 'confirmed', confirmed_at: db.fn.now() });
      await sentOf(runId, key)
        .whereNotIn('seq', [...printedSeqs, ...heldSeqs])
        .update({ status: 'queued', batch_key: null });
      if (heldSeqs.length === 0)
        await db('label_print_batches').where({ key }).update({ state: 'closed', closed_at: db.fn.now() });
      return confirmed;
    },
    async resolveOpen(runId, through) {
      const confirmed = await db('label_prints')
        .where({ run_id: runId, status: 'sent' })
        .where('seq', '<=', through)
        .update({ status: 'confirmed', confirmed_at: db.fn.now() });
      const requeued = await db('label_prints')
        .where({ run_id: runId, status: 'sent' })
        .update({ status: 'queued', batch_key: null });
      await db('label_print_batches')
        .where({ run_id: runId, state: 'open' })
        .update({ state: 'closed', closed_at: db.fn.now() });
      return { confirmed, requeued };
    },
    async openRange(runId) {
      const [row] = (await db('label_prints')
        .where({ run_id: runId, status: 'sent' })
        .select(db.raw('min(seq)::int AS first'), db.raw('max(seq)::int AS last'))) as {
        first: number | null;
        last: number | null;
      }[];
      return row?.first ? { first: row.first, last: row.last! } : null;
    },
    async failUnconfirmed(runId) {
      await db('label_print_batches')
        .where({ run_id: runId, state: 'open' })
        .update({ state: 'closed', closed_at: db.fn.now() });
      return db('label_prints').where({ run_id: runId, status: 'queued' }).update({ status: 'failed' });
    },
    requeueFailed: (runId) =>
      db('label_prints').where({ run_id: runId, status: 'failed' }).update({ status: 'queued' }),
    async countConfirmed(runId) {
      const [row] = (await db('label_prints')
        .where({ run_id: runId, status: 'confirmed' })
        .count('* as n')) as { n: string }[];
      return Number(row!.n);
    },
    async counts(runId) {
      const rows = (await db('label_prints')
        .where({ run_id: runId })
        .groupBy('status')
        .select('status', db.raw('count(*)::int AS n'))) as { status: PrintRecord['status']; n: number }[];
      const counts = Object.fromEntries(PRINT_RECORD_STATUSES.map((s) => [s, 0])) as Record<
        PrintRecord['status'],
        number
      >;
      for (const r of rows) counts[r.status] = r.n;
      return counts;
    },
    async list(runId, page) {
      const q = db('label_prints')
        .where({ run_id: runId })
        .select('seq', 'seq as id', 'code', 'status', 'batch_key', 'attempts', 'sent_at', 'confirmed_at');
      if (page.status) q.where({ status: page.status });
      const result = await paginate(q, 'seq', page, toRecord);
      return { ...result, items: result.items.map(({ id: _id, ...r }) => r) };
    },
    async contents(runId, seqs) {
      const rows = (await db('label_prints')
        .where({ run_id: runId })
        .whereIn('seq', seqs)
        .orderBy('seq')
        .select('seq', 'item_key', 'content')) as { seq: number; item_key: string; content: LabelContent }[];
      return rows.map((r) => ({ seq: r.seq, itemKey: Number(r.item_key), content: r.content }));
    },
  };
}
