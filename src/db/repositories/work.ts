/**
 * Work in flight, as the database sees it: for each source, the rows that say something must still
 * happen, the job that should carry each (derived from the row, or the newest redrive of it), and
 * the rules the data must keep — what the reconciler and `buildtrace doctor` read.
 */
import type {
  InFlightWork,
  InvariantCheck,
  WorkAction,
  WorkRepository,
  WorkSource,
} from '../../commands/ports.ts';
import { WORK_SOURCES } from '../../domain/work-types.ts';
import { INVARIANTS } from './work/invariants.ts';
import { SOURCES, subjectOf, type Candidate, type Db } from './work/sources.ts';

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
    const lastRetry = Math.max(
      ofBase.map((r) => r.cause).lastIndexOf('retry'),
      ofBase.map((r) => r.cause).lastIndexOf('resume'),
    );
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
