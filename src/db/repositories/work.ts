/**
 * Work in flight, as the database sees it: for each source, the rows that say something must still
 * happen, the job that should carry each (derived from the row, or the newest redrive of it), and
 * the rules the data must keep — what the reconciler and `buildtrace doctor` read.
 */
import type { Knex } from 'knex';
import {
  WORK_SOURCES,
  type InFlightWork,
  type InvariantCheck,
  type WorkAction,
  type WorkRepository,
  type WorkSource,
} from '../../commands/ports.ts';

/** A subject row before its carrier and redrives are worked out. */
interface Candidate {
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

interface Filter {
  olderThan?: Date;
  key?: string;
  limit: number;
  lock: boolean;
}

type Db = Knex | Knex.Transaction;

const SOURCES: Record<WorkSource, (db: Db, f: Filter) => Promise<Candidate[]>> = {
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
        rows: { id: number; done: number; total: number; template: string; created_at: Date }[];
      }>(
        `SELECT id, done, total, template, created_at FROM label_runs
         WHERE status IN ('queued','rendering') ${f.olderThan ? 'AND created_at < :olderThan' : ''} ${f.key ? 'AND id = :key' : ''}
         ORDER BY id LIMIT :limit ${f.lock ? 'FOR UPDATE' : ''}`,
        { olderThan: f.olderThan ?? null, key: f.key ? Number(f.key) : null, limit: f.limit },
      )
    ).rows;
    return rows.map((r) => ({
      source: 'label_run',
      key: String(r.id),
      describe: `label run ${r.id} (${r.template}), ${r.done}/${r.total} labels`,
      job: 'labels.render',
      data: { runId: r.id },
      baseJobId: `labels-${r.id}`,
      progress: r.done,
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

const subjectOf = (c: Pick<Candidate, 'source' | 'key'>) => `${c.source}:${c.key}`;

/** Works out each candidate's carrier and redrive counts from the action log and the outbox. */
async function complete(db: Db, candidates: Candidate[]): Promise<InFlightWork[]> {
  if (candidates.length === 0) return [];
  const subjects = candidates.map(subjectOf);
  const redrives = (await db('work_actions')
    .whereIn('subject', subjects)
    .where({ action: 'redrive' })
    .orderBy('id')
    .select('subject', 'base_job_id', 'job_id', 'progress', 'cause')) as {
    subject: string;
    base_job_id: string;
    job_id: string;
    progress: number;
    cause: string;
  }[];
  const bySubject = new Map<string, typeof redrives>();
  for (const r of redrives) bySubject.set(r.subject, [...(bySubject.get(r.subject) ?? []), r]);
  const items = candidates.map((c): InFlightWork => {
    const subject = subjectOf(c);
    const ofBase = (bySubject.get(subject) ?? []).filter((r) => r.base_job_id === c.baseJobId);
    // A person's retry starts a fresh budget: only redrives since the last one count against it.
    const lastRetry = ofBase.map((r) => r.cause).lastIndexOf('retry');
    const sinceRetry = ofBase.slice(lastRetry + 1);
    return {
      source: c.source,
      subject,
      describe: c.describe,
      job: c.job,
      data: c.data,
      baseJobId: c.baseJobId,
      carrierJobId: ofBase.at(-1)?.job_id ?? c.baseJobId,
      otherCarrierJobIds: c.otherCarrierJobIds ?? [],
      awaitingHandover: false,
      progress: c.progress,
      redrivesWithoutProgress: sinceRetry.filter((r) => r.progress >= c.progress).length,
      redrives: ofBase.length,
      since: c.since,
    };
  });
  const waiting = new Set(
    (await db('job_outbox')
      .whereIn(
        'job_id',
        items.flatMap((i) => [i.carrierJobId, ...i.otherCarrierJobIds]),
      )
      .whereNull('relayed_at')
      .pluck('job_id')) as string[],
  );
  for (const item of items)
    item.awaitingHandover = [item.carrierJobId, ...item.otherCarrierJobIds].some((id) => waiting.has(id));
  return items;
}

interface ActionRow {
  id: number;
  subject: string;
  job: string;
  action: WorkAction['action'];
  cause: WorkAction['cause'];
  base_job_id: string;
  job_id: string | null;
  detail: string | null;
  progress: number;
  actor: string;
  created_at: Date;
}

const toAction = (r: ActionRow): WorkAction => ({
  id: r.id,
  subject: r.subject,
  job: r.job,
  action: r.action,
  cause: r.cause,
  baseJobId: r.base_job_id,
  jobId: r.job_id,
  detail: r.detail,
  progress: r.progress,
  actor: r.actor,
  createdAt: r.created_at,
});

/** The rules the rows must keep together; each query lists the rows that break one (by code or id). */
const INVARIANTS: { name: string; description: string; sql: string }[] = [
  {
    name: 'lot_quantity_is_ledger_sum',
    description: "every lot's quantity equals the sum of its ledger entries",
    sql: `SELECT l.code FROM lots l
          LEFT JOIN (SELECT lot_id, sum(delta) AS total FROM stock_ledger GROUP BY lot_id) s ON s.lot_id = l.id
          WHERE l.quantity <> coalesce(s.total, 0)`,
  },
  {
    name: 'lot_reserved_is_reservation_sum',
    description: "every lot's reserved quantity equals its builds' reservations",
    sql: `SELECT l.code FROM lots l
          LEFT JOIN (SELECT lot_id, sum(quantity) AS total FROM stock_reservations GROUP BY lot_id) r ON r.lot_id = l.id
          WHERE l.reserved <> coalesce(r.total, 0)`,
  },
  {
    name: 'reservations_belong_to_starting_builds',
    description: 'stock is reserved only for builds whose start was accepted and has not run',
    sql: `SELECT DISTINCT b.code FROM stock_reservations r JOIN builds b ON b.id = r.build_id
          WHERE b.status <> 'starting'`,
  },
  {
    name: 'tracked_units_are_serials_1_to_n',
    description:
      "a tracked build's units are single-unit lots with serials 1..units generated, each once; a completed one has all its units",
    sql: `SELECT b.code FROM builds b
          LEFT JOIN (SELECT build_id, count(*) AS n, count(DISTINCT serial) AS d, min(serial) AS lo, max(serial) AS hi,
                            count(*) FILTER (WHERE quantity > 1) AS multi
                     FROM lots WHERE build_id IS NOT NULL AND serial IS NOT NULL GROUP BY build_id) u ON u.build_id = b.id
          WHERE b.track_units AND (coalesce(u.n, 0) <> b.units_generated OR coalesce(u.d, 0) <> b.units_generated
             OR coalesce(u.multi, 0) > 0
             OR (b.units_generated > 0 AND (u.lo <> 1 OR u.hi <> b.units_generated))
             OR (b.status = 'completed' AND b.units_generated <> b.quantity))`,
  },
  {
    name: 'id_codes_unique',
    description: 'every ID code names one object',
    sql: `SELECT code FROM (SELECT code FROM lots UNION ALL SELECT code FROM builds UNION ALL SELECT code FROM parts
            UNION ALL SELECT code FROM locations UNION ALL SELECT code FROM projects) c
          GROUP BY code HAVING count(*) > 1`,
  },
  {
    name: 'consumption_matches_units_made',
    description:
      'what a build keeps of each component (consumed − returned) is its per-unit quantity × the units it made (all of them unless cancelled; the completed and scrapped ones when cancelled)',
    sql: `SELECT DISTINCT b.code FROM builds b
          JOIN (SELECT build_id, part_id, sum(quantity) AS consumed, sum(returned) AS returned
                FROM build_consumptions GROUP BY build_id, part_id) c ON c.build_id = b.id
          WHERE c.consumed % b.quantity <> 0
             OR c.consumed - c.returned <> (c.consumed / b.quantity) *
                CASE WHEN b.status = 'cancelled' THEN b.units_completed + b.units_scrapped ELSE b.quantity END`,
  },
  {
    name: 'one_outcome_event_per_build',
    description:
      'a completed build announced build.completed once, a cancelled one build.cancelled once, any other neither',
    sql: `SELECT b.code FROM builds b
          LEFT JOIN (SELECT stream, count(*) FILTER (WHERE type = 'build.completed') AS completed,
                            count(*) FILTER (WHERE type = 'build.cancelled') AS cancelled
                     FROM events WHERE type IN ('build.completed','build.cancelled') GROUP BY stream) e
            ON e.stream = 'build:' || b.code
          WHERE (b.status = 'completed' AND (coalesce(e.completed, 0) <> 1 OR coalesce(e.cancelled, 0) <> 0))
             OR (b.status = 'cancelled' AND (coalesce(e.cancelled, 0) <> 1 OR coalesce(e.completed, 0) <> 0))
             OR (b.status NOT IN ('completed','cancelled') AND coalesce(e.completed, 0) + coalesce(e.cancelled, 0) <> 0)`,
  },
  {
    name: 'build_counters_match_units',
    description:
      "a tracked build's counters agree with its units: generated ones exist, completed + scrapped ≤ generated",
    sql: `SELECT code FROM builds
          WHERE track_units AND status <> 'cancelled' AND units_completed + units_scrapped > units_generated`,
  },
];

/** One subject, if it is still in flight. */
async function one(db: Db, subject: string, lock: boolean): Promise<InFlightWork | null> {
  const at = subject.indexOf(':');
  const source = subject.slice(0, at) as WorkSource;
  if (!WORK_SOURCES.includes(source)) return null;
  const [found] = await SOURCES[source](db, { key: subject.slice(at + 1), limit: 1, lock });
  return found ? ((await complete(db, [found]))[0] ?? null) : null;
}

export function workRepository(db: Db): WorkRepository {
  return {
    async inFlight(source, { olderThan, limit }) {
      return complete(db, await SOURCES[source](db, { olderThan, limit, lock: false }));
    },
    lockInFlight: (subject) => one(db, subject, true),
    findInFlight: (subject) => one(db, subject, false),
    async countInFlight() {
      const row = (
        await db.raw<{ rows: Record<WorkSource, number>[] }>(
          `SELECT (SELECT count(*) FROM build_operations WHERE status = 'queued')::int AS build_operation,
                  (SELECT count(*) FROM label_runs WHERE status IN ('queued','rendering'))::int AS label_run,
                  (SELECT count(*) FROM recalls WHERE status = 'queued')::int AS recall,
                  (SELECT count(*) FROM webhook_deliveries WHERE status IN ('pending','retrying'))::int AS webhook_delivery,
                  (SELECT count(*) FROM events WHERE relayed_at IS NOT NULL AND fanned_out_at IS NULL
                     AND fanout_error IS NULL)::int AS event_fanout`,
        )
      ).rows[0]!;
      return row;
    },
    async record(a) {
      const [row] = (await db('work_actions')
        .insert({
          subject: a.subject,
          job: a.job,
          action: a.action,
          cause: a.cause,
          base_job_id: a.baseJobId,
          job_id: a.jobId,
          detail: a.detail?.slice(0, 2000) ?? null,
          progress: a.progress,
          actor: a.actor,
        })
        .returning('*')) as ActionRow[];
      return toAction(row!);
    },
    async recentActions(limit) {
      return ((await db('work_actions').orderBy('id', 'desc').limit(limit)) as ActionRow[]).map(toAction);
    },
    async checkInvariants() {
      const checks: InvariantCheck[] = [];
      for (const inv of INVARIANTS) {
        const rows = (await db.raw<{ rows: { code: string }[] }>(`SELECT * FROM (${inv.sql}) v LIMIT 1001`))
          .rows;
        checks.push({
          name: inv.name,
          description: inv.description,
          violations: rows.length,
          examples: rows.slice(0, 10).map((r) => String(Object.values(r)[0])),
        });
      }
      return checks;
    },
    async awaitingAction(limit) {
      const rows = (
        await db.raw<{ rows: { subject: string; describe: string; reason: string; since: Date }[] }>(
          `SELECT * FROM (
             SELECT 'build:' || code AS subject, 'build ' || code || ' is blocked' AS describe,
                    blocked->>'reason' AS reason, updated_at AS since
             FROM builds WHERE status = 'blocked'
             UNION ALL
             SELECT 'build:' || code, 'build ' || code || ' could not start', start_error->>'message', updated_at
             FROM builds WHERE status = 'planned' AND start_error IS NOT NULL
             UNION ALL
             SELECT 'label_run:' || id, 'label run ' || id || ' failed', error, coalesce(finished_at, created_at)
             FROM label_runs WHERE status = 'failed'
             UNION ALL
             SELECT 'recall:' || id, 'recall ' || id || ' failed', error, coalesce(finished_at, created_at)
             FROM recalls WHERE status = 'failed'
             UNION ALL
             SELECT 'event:' || id, 'event ' || id || ' (' || type || ') was not fanned out', fanout_error, occurred_at
             FROM events WHERE fanout_error IS NOT NULL
           ) a ORDER BY since DESC LIMIT ?`,
          [limit],
        )
      ).rows;
      return rows;
    },
  };
}
