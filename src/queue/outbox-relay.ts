/**
 * The transactional outbox relay. Commands write events and job requests in their own transaction;
 * the relay hands them to BullMQ afterwards and marks them relayed. If BullMQ is unreachable the
 * rows stay and are handed over when it comes back — nothing is lost. A job row handed over twice
 * (the relay died between adding the job and marking the row) carries the same job id, which BullMQ
 * ignores; events go out as one `events.fanout` job per request's events in a batch, and every
 * processor is idempotent, so a second hand-over changes nothing.
 *
 * Each job goes to the queue, with the options, that its definition in the job catalogue names
 * (looked up through `Queues`, which bootstrap gives the catalogue); a row naming a job the catalogue
 * does not hold is logged and marked relayed.
 *
 * Wakes on `NOTIFY buildtrace_outbox` (sent by a trigger on insert) and polls as a fallback. Several
 * relays (one per worker process) share the work through `FOR UPDATE SKIP LOCKED`.
 */
import type { Knex } from 'knex';
import pg from 'pg';
import type { Logger } from '../logger.ts';
import type { JobRequest, Queues } from './queues.ts';
import { withTimeout } from '../timeout.ts';

const BATCH = 500;
const HANDOVER_TIMEOUT_MS = 10_000;

/** Events grouped by the request that wrote them, in id order of each group's first event. */
function groupByRequest(
  events: { id: number; request_id: string | null }[],
): { requestId: string | null; ids: number[] }[] {
  const groups = new Map<string | null, number[]>();
  for (const e of events) {
    const ids = groups.get(e.request_id);
    if (ids) ids.push(e.id);
    else groups.set(e.request_id, [e.id]);
  }
  return [...groups].map(([requestId, ids]) => ({ requestId, ids }));
}

export interface RelayOptions {
  db: Knex;
  databaseUrl: string;
  queues: Queues;
  log: Logger;
  pollMs?: number;
  /** How long one hand-over may take before the batch is rolled back and retried (default 10 s). */
  handoverTimeoutMs?: number;
}

export class OutboxRelay {
  #running = false;
  #wake: (() => void) | undefined;
  #loop: Promise<void> | undefined;
  #listener: pg.Client | undefined;
  #failures = 0;

  constructor(private readonly options: RelayOptions) {}

  /** Relays everything pending once; returns how many rows were handed over. */
  async relayOnce(): Promise<number> {
    const { db, queues } = this.options;
    let total = 0;
    for (;;) {
      const moved = await db.transaction(async (trx) => {
        const jobs = (await trx('job_outbox')
          .whereNull('relayed_at')
          .orderBy('id')
          .limit(BATCH)
          .forUpdate()
          .skipLocked()
          .select('id', 'name', 'job_id', 'data', 'delay_ms', 'request_id')) as {
          id: number;
          name: string;
          job_id: string;
          data: Record<string, unknown>;
          delay_ms: number;
          request_id: string | null;
        }[];
        const events = (await trx('events')
          .whereNull('relayed_at')
          .orderBy('id')
          .limit(BATCH)
          .forUpdate()
          .skipLocked()
          .select('id', 'request_id')) as { id: number; request_id: string | null }[];
        if (jobs.length === 0 && events.length === 0) return 0;

        const requests: JobRequest[] = [];
        for (const j of jobs) {
          if (!queues.knows(j.name)) {
            this.options.log.error(
              { job: j.name, id: j.id },
              'outbox row names an unknown job; marking it relayed',
            );
            continue;
          }
          // The request id rides along in the job data (schemas ignore it) for the job's logs.
          const data = j.request_id ? { ...j.data, requestId: j.request_id } : j.data;
          requests.push({ name: j.name, data, jobId: j.job_id, delayMs: j.delay_ms });
        }
        // One fan-out job per request's events in the batch: subscribers then work set by set, not
        // row by row, and what they enqueue carries the id of the request that caused it. The job id
        // names the set; should the same rows be handed over again in another grouping, the
        // subscribers' own idempotency (one delivery per endpoint and event, stable notify job ids)
        // keeps the effect single.
        const fanouts = groupByRequest(events).map((group) => ({
          ids: group.ids,
          jobId: `events-${group.ids[0]}-${group.ids[group.ids.length - 1]}-${group.ids.length}`,
          requestId: group.requestId,
        }));
        for (const f of fanouts)
          requests.push({
            name: 'events.fanout',
            data: f.requestId ? { eventIds: f.ids, requestId: f.requestId } : { eventIds: f.ids },
            jobId: f.jobId,
          });
        const handoverMs = this.options.handoverTimeoutMs ?? HANDOVER_TIMEOUT_MS;
        await withTimeout(
          queues.addBulk(requests),
          handoverMs,
          `queue hand-over took longer than ${handoverMs} ms`,
        );

        if (jobs.length > 0)
          await trx('job_outbox')
            .whereIn(
              'id',
              jobs.map((j) => j.id),
            )
            .update({ relayed_at: trx.fn.now() });
        // Each event remembers the fan-out job that carries it, for the reconciler (one statement).
        if (events.length > 0) {
          const pairs = fanouts.flatMap((f) => f.ids.map((id) => [id, f.jobId] as const));
          await trx.raw(
            `UPDATE events e SET relayed_at = now(), fanout_job = v.job
             FROM unnest(?::bigint[], ?::text[]) AS v(id, job) WHERE e.id = v.id`,
            [pairs.map((p) => p[0]), pairs.map((p) => p[1])],
          );
        }
        return jobs.length + events.length;
      });
      total += moved;
      if (moved < BATCH) return total;
    }
  }

  /** Starts relaying in the background until `stop()`. */
  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    await this.#listen();
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#wake?.();
    await this.#loop;
    await this.#listener?.end().catch(() => undefined);
    this.#listener = undefined;
  }

  async #listen(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.options.databaseUrl,
      application_name: 'buildtrace-relay',
    });
    client.on('notification', () => this.#wake?.());
    client.on('error', () => {
      // A lost LISTEN connection only costs latency: polling continues and #run reconnects.
      this.#listener = undefined;
    });
    try {
      await client.connect();
      await client.query('LISTEN buildtrace_outbox');
      this.#listener = client;
    } catch {
      await client.end().catch(() => undefined);
    }
  }

  async #run(): Promise<void> {
    const pollMs = this.options.pollMs ?? 1_000;
    while (this.#running) {
      try {
        if (!this.#listener) await this.#listen();
        await this.relayOnce();
        if (this.#failures > 0) this.options.log.info('outbox relay recovered');
        this.#failures = 0;
      } catch (error) {
        this.#failures++;
        if (this.#failures === 1 || this.#failures % 30 === 0) {
          this.options.log.warn(
            { err: error, failures: this.#failures },
            'outbox relay cannot hand over yet; will retry',
          );
        }
      }
      if (!this.#running) break;
      const wait = this.#failures > 0 ? Math.min(pollMs * 2 ** Math.min(this.#failures, 5), 10_000) : pollMs;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }
}
