/**
 * The worker runtime. Every job is declared once (workers/jobs/, listed in workers/catalogue.ts)
 * with its processor, so each job has exactly one by construction; the registry still checks a list
 * of definitions against the catalogue (every job once) before workers start. Job data is parsed
 * with the job's schema before its processor sees it; a broken rule or bad data fails the job for
 * good (UnrecoverableError), anything else is retried with backoff.
 */
import { DelayedError, UnrecoverableError, type Job, type Worker } from 'bullmq';
import { parseWith } from '../src/commands/validation.ts';
import type { AppContext } from '../src/context.ts';
import { withJob } from '../src/request-context.ts';
import { DomainError } from '../src/domain/errors.ts';
import { QUEUE_NAMES, type QueueName } from '../src/queue/routing.ts';
import { notifyBackoffStrategy } from '../src/queue/backoff.ts';
import type { SettleWork } from './reconciler.ts';
import { JOB_DEFINITIONS, JOB_NAMES, isJobName, type JobName } from './catalogue.ts';
import type { JobDefinition } from './define.ts';

export type Registry = ReadonlyMap<JobName, JobDefinition>;

/** The definitions by name, refusing a list that misses a job of the catalogue or holds one twice. */
export function buildRegistry(definitions: readonly JobDefinition[] = JOB_DEFINITIONS): Registry {
  const registry = new Map<JobName, JobDefinition>();
  const problems: string[] = [];
  for (const d of definitions) {
    if (!isJobName(d.name)) problems.push(`processor for unknown job ${d.name}`);
    else if (registry.has(d.name)) problems.push(`two processors for ${d.name}`);
    else registry.set(d.name, d);
  }
  for (const name of JOB_NAMES) if (!registry.has(name)) problems.push(`no processor for ${name}`);
  if (problems.length > 0) throw new Error(`worker registry: ${problems.join('; ')}`);
  return registry;
}

/** What went wrong, in the words a person should read (the database's, not the SQL that met it). */
function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return (error as Error & { serverMessage?: string }).serverMessage ?? error.message;
}

/**
 * Runs a job with its name, id and the id of the request behind it (stored with it by the outbox)
 * in the work context: every line logged meanwhile carries them, and follow-up jobs keep the
 * request id.
 */
function runJob(app: AppContext, registry: Registry, job: Job, token?: string): Promise<unknown> {
  const requestId = typeof job.data?.requestId === 'string' ? job.data.requestId : undefined;
  return withJob({ name: job.name, id: job.id, requestId }, () => processJob(app, registry, job, token));
}

async function processJob(app: AppContext, registry: Registry, job: Job, token?: string): Promise<unknown> {
  if (!isJobName(job.name)) throw new UnrecoverableError(`unknown job ${job.name}`);
  const definition = registry.get(job.name)!;
  // job, jobId and requestId come from the work context (src/logger.ts's mixin).
  const log = app.log.child({ attempt: job.attemptsMade + 1 });
  let data: unknown;
  try {
    data = parseWith(definition.data, job.data, 'data');
    return await definition.process(data as never, {
      app,
      log,
      job: {
        id: job.id ?? '',
        attemptsMade: job.attemptsMade,
        updateProgress: (progress) => job.updateProgress(progress),
        async delay(ms) {
          await job.moveToDelayed(Date.now() + Math.max(0, ms), token);
          throw new DelayedError();
        },
      },
    });
  } catch (error) {
    if (error instanceof DelayedError) throw error;
    const refused = error instanceof DomainError;
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if ((refused || lastAttempt) && data !== undefined && definition.settle) {
      // Its subject is settled now where a person can act; when even that fails (the database is
      // down), the reconciler finds the subject stranded later and redrives or settles it.
      const reason = refused
        ? (error as Error).message
        : `gave up after ${job.attemptsMade + 1} attempts: ${errorText(error)}`;
      await definition
        .settle(data as never, reason, { app, log })
        .catch((err: unknown) => log.warn({ err }, 'could not settle the job; the reconciler will'));
    }
    if (refused) {
      log.warn({ err: error }, 'job refused: will not retry');
      throw new UnrecoverableError((error as Error).message);
    }
    log.warn(
      { err: error },
      lastAttempt ? 'job failed for good' : 'job failed: will retry if attempts remain',
    );
    throw error;
  }
}

/** Queues whose jobs continue from their last committed step when run again. */
const RESUMABLE_QUEUES: ReadonlySet<QueueName> = new Set(['lots', 'labels']);

/**
 * Settles a piece of work through its job's settle hook (the reconciler's last resort for work that
 * keeps getting stranded without progress). Jobs without a subject of their own have none.
 */
export function settleWith(app: AppContext, registry: Registry): SettleWork {
  return async (job, data, reason) => {
    if (!isJobName(job)) return;
    const definition = registry.get(job);
    if (!definition?.settle) return;
    const parsed = parseWith(definition.data, data, 'data');
    await definition.settle(parsed as never, reason, { app, log: app.log.child({ job, settling: true }) });
  };
}

export interface WorkerSet {
  workers: Worker[];
  /** Stops taking jobs; waits for running ones up to `graceMs`, then leaves them to be picked up again. */
  close(graceMs?: number): Promise<void>;
}

export function startWorkers(
  app: AppContext,
  options: {
    queues?: readonly QueueName[];
    concurrency?: number;
    registry?: Registry;
    /** Told when a job fails for good, so that its subject is looked at soon. */
    onGaveUp?: () => void;
  } = {},
): WorkerSet {
  const registry = options.registry ?? buildRegistry();
  // Webhook deliveries mostly wait on the network, so their queue runs many more at once.
  const concurrencyOf = (queue: QueueName) =>
    options.concurrency ??
    (queue === 'webhooks' ? app.config.webhooks.concurrency : app.config.workerConcurrency);
  const workers = (options.queues ?? QUEUE_NAMES).map((queue) => {
    const worker = app.queues.backend.createWorker(queue, (job, token) => runJob(app, registry, job, token), {
      concurrency: concurrencyOf(queue),
      // A worker that dies is noticed after about this long, and its jobs are picked up again.
      lockDuration: app.config.jobLockMs,
      stalledInterval: app.config.jobLockMs,
      // A job whose worker died is put back this many times before BullMQ fails it; the work that
      // resumes from committed chunks (units, labels) is allowed more. Past that the reconciler
      // redrives it for as long as it makes progress.
      maxStalledCount: RESUMABLE_QUEUES.has(queue) ? 5 : 2,
      // The notify jobs retry on capped schedules BullMQ has no built-in type for.
      settings: { backoffStrategy: notifyBackoffStrategy },
    });
    worker.on('error', (err) => app.log.warn({ err, queue }, 'worker connection trouble'));
    const seconds = (job: Job) =>
      job.finishedOn && job.processedOn ? (job.finishedOn - job.processedOn) / 1000 : 0;
    worker.on('completed', (job) =>
      app.metrics.jobDuration.observe({ queue, job: job.name, outcome: 'completed' }, seconds(job)),
    );
    worker.on('failed', (job) => {
      if (!job) return;
      if (job.attemptsMade >= (job.opts.attempts ?? 1) || job.finishedOn) options.onGaveUp?.();
      app.metrics.jobFailures.inc({ queue, job: job.name });
      app.metrics.jobDuration.observe({ queue, job: job.name, outcome: 'failed' }, seconds(job));
    });
    return worker;
  });
  return {
    workers,
    async close(graceMs = 30_000) {
      // Pausing stops fetching at once and resolves when the running jobs are done. Not close():
      // a close once begun cannot be made forced, so the grace period would not be kept.
      const drained = Promise.all(workers.map((w) => w.pause())).then(
        () => false,
        () => false,
      );
      const timedOut = await Promise.race([
        drained,
        new Promise<boolean>((r) => setTimeout(() => r(true), graceMs).unref()),
      ]);
      if (timedOut)
        app.log.warn({ graceMs }, 'jobs still running after the grace period; leaving them to be retried');
      await Promise.all(workers.map((w) => w.close(timedOut)));
    },
  };
}
