/** The shape of a processor file: one job, one function. */
import type { AppContext } from '../src/context.ts';
import type { Logger } from '../src/logger.ts';
import type { JobData, JobName } from '../src/queue/catalogue.ts';

export interface JobHandle {
  id: string;
  /** 0 on the first run; retries and resumptions see how many runs came before. */
  attemptsMade: number;
  updateProgress(progress: number | object): Promise<void>;
  /**
   * Puts the job back, delayed by `ms`, without using up an attempt (a Slack 429's Retry-After, a
   * resource another job holds); the processor stops here (this always throws).
   */
  delay(ms: number): Promise<never>;
}

export interface ProcessorContext {
  app: AppContext;
  job: JobHandle;
  log: Logger;
}

export interface Processor<N extends JobName = JobName> {
  job: N;
  /** Must be idempotent: running it twice changes nothing the second time. */
  process(data: JobData<N>, ctx: ProcessorContext): Promise<unknown>;
  /**
   * Settles the job's subject when the work is given up: a broken rule, the last attempt failed, or
   * the reconciler found it stranded too often without progress. Marks it failed with `reason` where
   * a person can act on it (retry, cancel), with its event, in one transaction; a subject that is no
   * longer in flight is left as it is. Jobs without a subject of their own (Slack notices) have none.
   */
  settle?(data: JobData<N>, reason: string, ctx: Omit<ProcessorContext, 'job'>): Promise<void>;
}

export function defineProcessor<N extends JobName>(
  job: N,
  process: Processor<N>['process'],
  settle?: Processor<N>['settle'],
): Processor<N> {
  return settle ? { job, process, settle } : { job, process };
}
