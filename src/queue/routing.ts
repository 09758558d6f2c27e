/**
 * What the queue side knows of jobs: the queues, the default retry options, and the shape of the
 * job catalogue it routes by. The catalogue itself — every job with its queue, data schema, retry
 * options and processor — is `workers/catalogue.ts`; `src/main/bootstrap.ts` hands it to `Queues`,
 * through which the outbox relay and the reconciler look a job up.
 *
 * Queues: builds (start, advance, complete, cancel) · lots (generate a build's units) · labels
 * (render PDFs) · webhooks (fan an event out, deliver it to one endpoint) · notify (Slack messages,
 * and the Slack commands and buttons the web process hands over) ·
 * trace (recall reports).
 */
import type { DefaultJobOptions } from 'bullmq';

export const QUEUE_NAMES = ['builds', 'lots', 'labels', 'webhooks', 'notify', 'trace'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

/** Where a job goes and how it retries: the part of a job definition the producers need. */
export interface JobRoute {
  queue: QueueName;
  /** Overrides {@link DEFAULT_JOB_OPTIONS} (the notify jobs' capped schedules). */
  options?: DefaultJobOptions;
}

/** The job catalogue as the queue side reads it: job name → route. */
export type JobRoutes = Readonly<Record<string, JobRoute>>;

/** Temporary failures (a database restart, Redis unreachable) retry with exponential backoff. */
export const DEFAULT_JOB_OPTIONS: DefaultJobOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1_000 },
  // Completed jobs are kept for a day so a job id handed over twice is recognized and ignored.
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};
