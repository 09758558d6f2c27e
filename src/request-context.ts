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

/**
 * Where a request's reads may go (see README "Read replica"). Only work started by a person or a
 * client — an HTTP request, a Slack event — opens one; a job, the CLI and the reconciler have none,
 * and read only from the primary: what they read was often written a moment before, elsewhere.
 */
interface ReadScope {
  /** Every read command may lag (the pages), not only those that declare it (`reads: 'replica'`). */
  all: boolean;
  /** The primary only: this work wrote, or its reader asked to see its own recent writes. */
  fresh: boolean;
}

const reads = new AsyncLocalStorage<ReadScope>();

/** Runs a request's work in a read scope of its own: reads that may lag may use the replica. */
export function withReplicaReads<T>(work: () => T): T {
  return reads.run({ all: false, fresh: false }, work);
}

/**
 * Widens or narrows the current request's scope: `all` once a transport says each of its reads may
 * lag (the pages), `fresh` once its reader must see their own recent writes. Outside a scope: nothing.
 */
export function setReplicaReads(change: { all?: boolean; fresh?: boolean }): void {
  const scope = reads.getStore();
  if (!scope) return;
  if (change.all) scope.all = true;
  if (change.fresh) scope.fresh = true;
}

/** Something was written in the work under way: whatever it reads next comes from the primary. */
export function noteWrite(): void {
  setReplicaReads({ fresh: true });
}

/**
 * Whether a read may use the replica here: `declared` when the command says it may lag, `any` for
 * any read command (true only where the transport said all its reads may lag).
 */
export function replicaReadAllowed(kind: 'declared' | 'any'): boolean {
  const scope = reads.getStore();
  return !!scope && !scope.fresh && (kind === 'declared' || scope.all);
}
