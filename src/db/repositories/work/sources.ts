/**
 * The sources of work in flight: for each, the rows that say something must still happen, with the
 * job that should carry each (derived from the row).
 */
import type { Knex } from 'knex';
import type { WorkSource } from '../../../commands/ports.ts';

/** A subject row before its carrier and redrives are worked out. */
export interface Candidate {
  source: WorkSource;
  key: string;
  describe: string;
  job: string;
  data: Record<string, unknown>;
  baseJobId: string;
  otherCarrierJobIds?: string[];
  progress: number;
  since: Date;
}

export interface Filter {
  olderThan?: Date;
  key?: string;
  limit: number;
  lock: boolean;
}

export type Db = Knex | Knex.Transaction;

/** Per source: the rows that say something must still happen, as candidates. */
export const SOURCES: Record<WorkSource, (db: Db, f: Filter) => Promise<Candidate[]>> = {
  async build_operation(db, f) {
    const rows = (
      await db.raw<{
        rows: {
          id: number;
          kind: string;
          build_id: number;
          code: string;
          units_generated: number;
          quantity: number;
          created_at: Date;
        }[];
      }>(
        `SELECT o.id, o.kind, o.build_id, b.code, b.units_generated, b.quantity, o.created_at
         FROM build_operations o JOIN builds b ON b.id = o.build_id
         WHERE o.status = 'queued' ${f.olderThan ? 'AND o.created_at < :olderThan' : ''} ${f.key ? 'AND o.id = :key' : ''}
         ORDER BY o.id LIMIT :limit ${f.lock ? 'FOR UPDATE OF b, o' : ''}`,
        { olderThan: f.olderThan ?? null, key: f.key ? Number(f.key) : null, limit: f.limit },
      )
    ).rows;
    return rows.map((r) => ({
      source: 'build_operation',
      key: String(r.id),
      describe:
        r.kind === 'generate'
          ? `build ${r.code}: unit generation (operation ${r.id}), ${r.units_generated}/${r.quantity}`
          : `build ${r.code}: ${r.kind} (operation ${r.id})`,
      job: r.kind === 'generate' ? 'lots.generate' : `builds.${r.kind}`,
      data: r.kind === 'generate' ? { buildId: r.build_id, operationId: r.id } : { operationId: r.id },
      baseJobId: `build-op-${r.id}`,
      progress: r.kind === 'generate' ? r.units_generated : 0,
      since: r.created_at,
    }));
  },

  async label_run(db, f) {
    const rows = (
      await db.raw<{
        rows: {
          id: number;
          done: number;
          printed: number;
          total: number;
          template: string;
          printer_id: number | null;
          created_at: Date;
        }[];
      }>(
        `SELECT id, done, printed, total, template, printer_id, created_at FROM label_runs
         WHERE status IN ('queued','rendering','printing') ${f.olderThan ? 'AND created_at < :olderThan' : ''} ${f.key ? 'AND id = :key' : ''}
         ORDER BY id LIMIT :limit ${f.lock ? 'FOR UPDATE' : ''}`,
        { olderThan: f.olderThan ?? null, key: f.key ? Number(f.key) : null, limit: f.limit },
      )
    ).rows;
    return rows.map((r) => ({
      source: 'label_run',
      key: String(r.id),
      describe:
        r.printer_id === null
          ? `label run ${r.id} (${r.template}), ${r.done}/${r.total} labels`
          : `label run ${r.id} (${r.template}) on printer ${r.printer_id}, ${r.printed}/${r.total} printed`,
      job: r.printer_id === null ? 'labels.render' : 'labels.print',
      data: { runId: r.id },
      baseJobId: r.printer_id === null ? `labels-${r.id}` : `labels-print-${r.id}`,
      progress: r.printer_id === null ? r.done : r.printed,
      since: r.created_at,
    }));
  },

  async recall(db, f) {
    const rows = (
      await db.raw<{ rows: { id: number; created_at: Date }[] }>(
        `SELECT id, created_at FROM recalls
         WHERE status = 'queued' ${f.olderThan ? 'AND created_at < :olderThan' : ''} ${f.key ? 'AND id = :key' : ''}
         ORDER BY id LIMIT :limit ${f.lock ? 'FOR UPDATE' : ''}`,
        { olderThan: f.olderThan ?? null, key: f.key ? Number(f.key) : null, limit: f.limit },
      )
    ).rows;
    return rows.map((r) => ({
      source: 'recall',
      key: String(r.id),
      describe: `recall ${r.id}`,
      job: 'trace.recall',
      data: { recallId: r.id },
      baseJobId: `recall-${r.id}`,
      progress: 0,
      since: r.created_at,
    }));
  },

  async webhook_delivery(db, f) {
    // A delivery is owed its next attempt from `next_attempt_at` (or its creation) on.
    const rows = (
      await db.raw<{ rows: { id: number; attempts: number; event_type: string; due: Date }[] }>(
        `SELECT id, attempts, event_type, coalesce(next_attempt_at, created_at) AS due FROM webhook_deliveries
         WHERE status IN ('pending','retrying') ${f.olderThan ? 'AND coalesce(next_attempt_at, created_at) < :olderThan' : ''}
           ${f.key ? 'AND id = :key' : ''}
         ORDER BY id LIMIT :limit ${f.lock ? 'FOR UPDATE' : ''}`,
        { olderThan: f.olderThan ?? null, key: f.key ? Number(f.key) : null, limit: f.limit },
      )
    ).rows;
    return rows.map((r) => {
      const attempt = r.attempts + 1;
      return {
        source: 'webhook_delivery',
        key: String(r.id),
        describe: `webhook delivery ${r.id} (${r.event_type}), attempt ${attempt}`,
        job: 'webhooks.deliver',
        data: { deliveryId: r.id, attempt, manual: false },
        baseJobId: `delivery-${r.id}-${attempt}`,
        progress: r.attempts,
        since: r.due,
      };
    });
  },

  async event_fanout(db, f) {
    // Events are grouped by the fan-out job the relay gave them; without one (relayed by an older
    // relay), each is its own group.
    const rows = (
      await db.raw<{ rows: { id: number; fanout_job: string | null; relayed_at: Date }[] }>(
        `SELECT id, fanout_job, relayed_at FROM events
         WHERE relayed_at IS NOT NULL AND fanned_out_at IS NULL AND fanout_error IS NULL
           ${f.olderThan ? 'AND relayed_at < :olderThan' : ''} ${f.key ? 'AND coalesce(fanout_job, id::text) = :key' : ''}
         ORDER BY id LIMIT :limit ${f.lock ? 'FOR UPDATE' : ''}`,
        { olderThan: f.olderThan ?? null, key: f.key ?? null, limit: f.key ? 1000 : f.limit * 50 },
      )
    ).rows;
    const groups = new Map<string, { ids: number[]; since: Date }>();
    for (const r of rows) {
      const key = r.fanout_job ?? String(r.id);
      const g = groups.get(key) ?? { ids: [], since: r.relayed_at };
      g.ids.push(r.id);
      groups.set(key, g);
    }
    return [...groups].slice(0, f.limit).map(([key, g]) => ({
      source: 'event_fanout',
      key,
      describe: `fan-out of ${g.ids.length} event${g.ids.length === 1 ? '' : 's'} (${g.ids[0]}${g.ids.length > 1 ? `…${g.ids[g.ids.length - 1]}` : ''})`,
      job: 'events.fanout',
      data: { eventIds: g.ids },
      baseJobId: /^\d+$/.test(key) ? `events-${key}-${key}-1` : key,
      progress: 0,
      since: g.since,
    }));
  },
};

/** A candidate's subject: `source:key`. */
export const subjectOf = (c: Pick<Candidate, 'source' | 'key'>) => `${c.source}:${c.key}`;
