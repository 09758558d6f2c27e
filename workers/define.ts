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
}

export function defineProcessor<N extends JobName>(job: N, process: Processor<N>['process']): Processor<N> {
  return { job, process };
}
