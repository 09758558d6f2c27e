/**
 * The request id follows the work: set for an HTTP request (X-Request-Id or a fresh one), stored
 * with every job the request causes, and restored while that job — and any job it causes — runs, so
 * one id ties together the log lines of a request and all its background work. While a job runs its
 * name and id are here too. The logger adds these fields to every line written meanwhile (its
 * `mixin`, src/logger.ts), whichever module writes it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** What a log line written during a request's or a job's work carries about it. */
export interface WorkContext {
  requestId?: string;
  /** The job's name, e.g. `lots.generate`, and its id, while a job runs. */
  job?: string;
  jobId?: string;
}

const storage = new AsyncLocalStorage<Readonly<WorkContext>>();

export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}

/** The fields of the work under way (empty outside a request or job). */
export function currentWorkContext(): Readonly<WorkContext> {
  return storage.getStore() ?? NONE;
}

const NONE: Readonly<WorkContext> = Object.freeze({});

export function withRequestId<T>(requestId: string | undefined, work: () => T): T {
  return requestId ? storage.run(Object.freeze({ requestId }), work) : work();
}

/** Runs a job's work with its name and id, and the id of the request behind it if any. */
export function withJob<T>(
  job: { name: string; id: string | undefined; requestId?: string },
  work: () => T,
): T {
  const context: WorkContext = { job: job.name };
  if (job.id !== undefined) context.jobId = job.id;
  if (job.requestId) context.requestId = job.requestId;
  return storage.run(Object.freeze(context), work);
}
