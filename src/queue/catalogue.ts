/**
 * The job catalogue: every job buildtrace runs, the queue it runs on, the schema of its data and its
 * retry options. Job data is untrusted (an old job may carry an old shape): workers parse it with
 * the schema before running the processor. `workers/index.ts` refuses to start unless every job here
 * has exactly one processor.
 *
 * Queues: builds (start, advance, complete, cancel) · lots (generate a build's units) · labels
 * (render PDFs) · webhooks (fan an event out, deliver it to one endpoint) · notify (Slack messages,
 * and the Slack commands and buttons the web process hands over) ·
 * trace (recall reports).
 */
import type { z } from 'zod';
import type { DefaultJobOptions } from 'bullmq';
import { JOB_DATA } from '../commands/jobs.ts';
import { notifyRetryOptions } from './backoff.ts';

export const QUEUE_NAMES = ['builds', 'lots', 'labels', 'webhooks', 'notify', 'trace'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

export interface JobDefinition<S extends z.ZodType = z.ZodType> {
  queue: QueueName;
  description: string;
  data: S;
  options?: DefaultJobOptions;
}

const define = <S extends z.ZodType>(d: JobDefinition<S>) => d;

/** Temporary failures (a database restart, Redis unreachable) retry with exponential backoff. */
export const DEFAULT_JOB_OPTIONS: DefaultJobOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1_000 },
  // Completed jobs are kept for a day so a job id handed over twice is recognized and ignored.
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

export const JOBS = {
  'events.fanout': define({
    queue: 'webhooks',
    description:
      "Hand a batch of relayed events (one request's, up to 500) to their subscribers (webhook endpoints, Slack)",
    data: JOB_DATA['events.fanout'],
  }),
  'webhooks.deliver': define({
    queue: 'webhooks',
    description:
      'One signed delivery attempt of an event to a webhook endpoint; schedules the next on failure',
    data: JOB_DATA['webhooks.deliver'],
  }),
  'builds.start': define({
    queue: 'builds',
    description: 'Start a build: consume component lots (FIFO or named), create sub-assembly stock',
    data: JOB_DATA['builds.start'],
  }),
  'builds.advance': define({
    queue: 'builds',
    description: 'Complete the next stage of a multi-stage build',
    data: JOB_DATA['builds.advance'],
  }),
  'builds.complete': define({
    queue: 'builds',
    description: 'Complete a multi-stage build, or some of its units: in_production → available',
    data: JOB_DATA['builds.complete'],
  }),
  'builds.cancel': define({
    queue: 'builds',
    description: 'Cancel a build: return unconsumed components, remove in-production stock',
    data: JOB_DATA['builds.cancel'],
  }),
  'lots.generate': define({
    queue: 'lots',
    description: "Generate a tracked build's units in chunks; resumes where it stopped",
    data: JOB_DATA['lots.generate'],
  }),
  'labels.render': define({
    queue: 'labels',
    description: 'Render a label run into one PDF with progress, store it, announce labels.ready',
    data: JOB_DATA['labels.render'],
  }),
  // Slack: a 429 waits for its Retry-After (without using up an attempt), a 5xx or a network
  // failure retries on a capped schedule (src/queue/backoff.ts) — for 24 h, since Slack
  // outages can last hours; a refusal (channel_not_found, invalid_auth …) fails for good.
  'notify.message': define({
    queue: 'notify',
    description:
      "Post a Slack message (a build's message, a thread reply) once, or update it from current state",
    data: JOB_DATA['notify.message'],
    options: notifyRetryOptions('notify-24h'),
  }),
  'notify.notice': define({
    queue: 'notify',
    description:
      "Post a notice of the moment in a build's thread (a unit quarantined by a failed required test), once, within the hour",
    data: JOB_DATA['notify.notice'],
    // A notice hours late is noise: it stops trying after an hour (and is dropped unposted).
    options: notifyRetryOptions('notify-notice'),
  }),
  'notify.upload': define({
    queue: 'notify',
    description:
      'Upload a label PDF to a Slack channel (getUploadURLExternal, upload, completeUploadExternal)',
    data: JOB_DATA['notify.upload'],
    options: notifyRetryOptions('notify-24h'),
  }),
  'notify.respond': define({
    queue: 'notify',
    description: 'Answer a Slack command or button through its response_url',
    data: JOB_DATA['notify.respond'],
    // A response_url expires 30 min after the request: retrying for a day could not help.
    options: notifyRetryOptions('notify-response-url'),
  }),
  'slack.answer': define({
    queue: 'notify',
    description:
      'Run a Slack command or button the web process acknowledged, as its user, and queue the answer (once)',
    data: JOB_DATA['slack.answer'],
    // Someone is waiting: a run that keeps failing gives up after 10 min and tells them.
    options: notifyRetryOptions('slack-answer'),
  }),
  'trace.recall': define({
    queue: 'trace',
    description: 'Write a recall report (CSV of every device containing a lot) and announce recall.ready',
    data: JOB_DATA['trace.recall'],
  }),
} satisfies Record<string, JobDefinition>;

export type JobName = keyof typeof JOBS;
export type JobData<N extends JobName> = z.output<(typeof JOBS)[N]['data']>;
export const JOB_NAMES = Object.keys(JOBS) as JobName[];

export function isJobName(name: string): name is JobName {
  return Object.hasOwn(JOBS, name);
}
