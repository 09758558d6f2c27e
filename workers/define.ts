/**
 * The shape of a job definition: everything about one job, in one file under `workers/jobs/` — its
 * name, the queue it runs on, what it does, the schema of its data, its retry options, the
 * processor, and how its subject is settled when the work is given up. `workers/catalogue.ts` lists
 * the definitions; the worker runtime, the producers (outbox relay, Slack hand-over), the reconciler
 * and the commands' `jobRequest` all read them there.
 */
import type { DefaultJobOptions } from 'bullmq';
import { z } from 'zod';
import type { AppContext } from '../src/context.ts';
import type { Logger } from '../src/logger.ts';
import type { JobRoute, QueueName } from '../src/queue/routing.ts';

/** A row id in job data. */
export const rowId = z.int().positive();

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

export interface JobDefinition<N extends string = string, S extends z.ZodType = z.ZodType> extends JobRoute {
  /** The job's name: what the outbox, BullMQ and the logs call it. */
  name: N;
  queue: QueueName;
  description: string;
  /**
   * The job's data. Job data is untrusted (an old job may carry an old shape): the worker parses it
   * with this schema before the processor sees it; commands request the job with its input type.
   */
  data: S;
  /** Retry options beyond the defaults (src/queue/routing.ts DEFAULT_JOB_OPTIONS). */
  options?: DefaultJobOptions;
  /** Must be idempotent: running it twice changes nothing the second time. */
  process(data: z.output<S>, ctx: ProcessorContext): Promise<unknown>;
  /**
   * Settles the job's subject when the work is given up: a broken rule, the last attempt failed, or
   * the reconciler found it stranded too often without progress. Marks it failed with `reason` where
   * a person can act on it (retry, cancel), with its event, in one transaction; a subject that is no
   * longer in flight is left as it is. Jobs without a subject of their own (Slack notices) have none.
   */
  settle?(data: z.output<S>, reason: string, ctx: Omit<ProcessorContext, 'job'>): Promise<void>;
}

/** Declares a job (the one place it is declared); list it in `workers/catalogue.ts`. */
export function defineJob<const N extends string, S extends z.ZodType>(
  definition: JobDefinition<N, S>,
): JobDefinition<N, S> {
  return definition;
}
