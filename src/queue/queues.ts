/** Producers: one BullMQ Queue per queue name, created on first use, with the catalogue's options. */
import type { Job, Queue } from 'bullmq';
import type { QueueBackend } from './backend.ts';
import { DEFAULT_JOB_OPTIONS, JOBS, QUEUE_NAMES, type JobName, type QueueName } from './catalogue.ts';

export interface JobRequest {
  name: JobName;
  data: unknown;
  /** Stable id: BullMQ ignores a second job with the same id, which makes hand-over idempotent. */
  jobId: string;
  delayMs?: number;
}

export class Queues {
  readonly #queues = new Map<QueueName, Queue>();
  constructor(readonly backend: QueueBackend) {}

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

  /** Adds jobs, grouped by queue, each with its catalogue options. */
  async addBulk(requests: JobRequest[]): Promise<void> {
    const byQueue = new Map<QueueName, JobRequest[]>();
    for (const r of requests) {
      const queue = JOBS[r.name].queue;
      byQueue.set(queue, [...(byQueue.get(queue) ?? []), r]);
    }
    for (const [queue, list] of byQueue) {
      await this.get(queue).addBulk(
        list.map((r) => ({
          name: r.name,
          data: r.data,
          opts: {
            ...DEFAULT_JOB_OPTIONS,
            ...('options' in JOBS[r.name] ? (JOBS[r.name] as { options?: object }).options : {}),
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
