/**
 * Producers: one BullMQ Queue per queue name, created on first use. Each job goes to the queue its
 * definition names, with its options: the job catalogue (workers/catalogue.ts) is handed in at
 * bootstrap, and the outbox relay and the reconciler look jobs up through it here.
 */
import type { Job, Queue } from 'bullmq';
import type { QueueBackend } from './backend.ts';
import { currentRequestId } from '../request-context.ts';
import {
  DEFAULT_JOB_OPTIONS,
  QUEUE_NAMES,
  type JobRoute,
  type JobRoutes,
  type QueueName,
} from './routing.ts';

export interface JobRequest {
  /** A job of the catalogue; another name is refused. */
  name: string;
  data: unknown;
  /** Stable id: BullMQ ignores a second job with the same id, which makes hand-over idempotent. */
  jobId: string;
  delayMs?: number;
}

export class Queues {
  readonly #queues = new Map<QueueName, Queue>();
  readonly #defaults: typeof DEFAULT_JOB_OPTIONS;
  constructor(
    readonly backend: QueueBackend,
    /** The job catalogue: each job's queue and options. */
    readonly jobs: JobRoutes,
    /** Attempts and first backoff delay of every job without options of its own (JOB_ATTEMPTS, JOB_BACKOFF_MS). */
    retry?: { attempts: number; backoffMs: number },
  ) {
    this.#defaults = retry
      ? {
          ...DEFAULT_JOB_OPTIONS,
          attempts: retry.attempts,
          backoff: { type: 'exponential', delay: retry.backoffMs },
        }
      : DEFAULT_JOB_OPTIONS;
  }

  /** Whether `name` is a job of the catalogue. */
  knows(name: string): boolean {
    return Object.hasOwn(this.jobs, name);
  }

  /** The queue and options of a job of the catalogue; throws for any other name. */
  route(name: string): JobRoute {
    if (!this.knows(name)) throw new Error(`unknown job ${name}`);
    return this.jobs[name]!;
  }

  get(name: QueueName): Queue {
    let queue = this.#queues.get(name);
    if (!queue) {
      queue = this.backend.createQueue(name);
      queue.on('error', () => {
        // Connection trouble surfaces in the caller's promise and in /readyz.
      });
      this.#queues.set(name, queue);
    }
    return queue;
  }

  /**
   * Adds jobs, grouped by queue, each with its catalogue options. Added during a request's work (a
   * Slack request handed straight to the queue), a job carries the request's id, as one relayed
   * from the outbox does.
   */
  async addBulk(requests: JobRequest[]): Promise<void> {
    const requestId = currentRequestId();
    const withRequestId = (data: unknown) =>
      requestId && typeof data === 'object' && data !== null && !Array.isArray(data) && !('requestId' in data)
        ? { ...data, requestId }
        : data;
    const byQueue = new Map<QueueName, JobRequest[]>();
    for (const r of requests) {
      const queue = this.route(r.name).queue;
      byQueue.set(queue, [...(byQueue.get(queue) ?? []), r]);
    }
    for (const [queue, list] of byQueue) {
      await this.get(queue).addBulk(
        list.map((r) => ({
          name: r.name,
          data: withRequestId(r.data),
          opts: {
            ...this.#defaults,
            ...this.route(r.name).options,
            jobId: r.jobId,
            ...(r.delayMs ? { delay: r.delayMs } : {}),
          },
        })),
      );
    }
  }

  async getJob(queue: QueueName, id: string): Promise<Job | undefined> {
    return this.get(queue).getJob(id);
  }

  /**
   * Whether a job is alive in the queue (waiting, delayed, active …) and, when it is not, why:
   * `missing` (lost with the queue's data, removed, or trimmed after completing), `failed` (with
   * BullMQ's reason) or `completed`.
   */
  async carrierState(
    queue: QueueName,
    id: string,
  ): Promise<
    | { live: true; state: string }
    | { live: false; state: 'missing' | 'failed' | 'completed'; reason?: string }
  > {
    const state = await this.get(queue).getJobState(id);
    if (state === 'unknown') return { live: false, state: 'missing' };
    if (state === 'completed') return { live: false, state: 'completed' };
    if (state === 'failed') {
      const job = await this.get(queue).getJob(id);
      return { live: false, state: 'failed', ...(job?.failedReason ? { reason: job.failedReason } : {}) };
    }
    return { live: true, state };
  }

  /** Waiting/active/delayed/failed counts per queue (for /metrics and the dashboard). */
  async counts(): Promise<Record<QueueName, Record<string, number>>> {
    const entries = await Promise.all(
      QUEUE_NAMES.map(
        async (q) => [q, await this.get(q).getJobCounts('waiting', 'active', 'delayed', 'failed')] as const,
      ),
    );
    return Object.fromEntries(entries) as Record<QueueName, Record<string, number>>;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#queues.values()].map((q) => q.close()));
    this.#queues.clear();
  }
}
