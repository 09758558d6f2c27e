/**
 * How commands request a job: `repos.jobs.enqueue(jobRequest(name, data, stableJobId))`, inside
 * their own transaction. Each job is declared once, with its queue, data schema, retry options and
 * processor, in `workers/jobs/<name>.ts` (listed in workers/catalogue.ts); the names and data types
 * here are derived from those definitions. The import is type-only: commands never load the workers
 * or the queue (enforced by lint and dependency-cruiser).
 */
import type { JobInput, JobName } from '../../workers/catalogue.ts';

export type JobRequestName = JobName;
export type JobRequestData<N extends JobRequestName> = JobInput<N>;

/** A typed job request for `repos.jobs.enqueue`. */
export function jobRequest<N extends JobRequestName>(name: N, data: JobRequestData<N>, jobId: string) {
  return { name, data: data as Record<string, unknown>, jobId };
}
