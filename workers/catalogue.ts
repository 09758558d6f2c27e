/**
 * The job catalogue: every job buildtrace runs, each declared once in its own file under
 * `workers/jobs/` (name, queue, description, data schema, retry options, processor, settle hook).
 * Everything else reads it from here:
 *
 * - the worker runtime (workers/index.ts) parses job data with a job's schema and runs its processor;
 * - `src/main/bootstrap.ts` hands it to `Queues` (src/queue/queues.ts), so the outbox relay, the
 *   Slack hand-over and the reconciler put each job on its queue with its options;
 * - commands request jobs with `jobRequest` (src/commands/jobs.ts), whose names and data types are
 *   derived from it (a type-only import: commands do not load the workers).
 *
 * A new job: a file in `workers/jobs/`, and a line in {@link JOB_DEFINITIONS}.
 */
import type { z } from 'zod';
import type { JobDefinition } from './define.ts';
import buildsAdvance from './jobs/builds.advance.ts';
import buildsCancel from './jobs/builds.cancel.ts';
import buildsComplete from './jobs/builds.complete.ts';
import buildsStart from './jobs/builds.start.ts';
import eventsFanout from './jobs/events.fanout.ts';
import labelsPrint from './jobs/labels.print.ts';
import labelsRender from './jobs/labels.render.ts';
import lotsGenerate from './jobs/lots.generate.ts';
import notifyMessage from './jobs/notify.message.ts';
import notifyNotice from './jobs/notify.notice.ts';
import notifyRespond from './jobs/notify.respond.ts';
import notifyUpload from './jobs/notify.upload.ts';
import slackAnswer from './jobs/slack.answer.ts';
import traceRecall from './jobs/trace.recall.ts';
import webhooksDeliver from './jobs/webhooks.deliver.ts';

/** Every job, once. */
export const JOB_DEFINITIONS = [
  eventsFanout,
  webhooksDeliver,
  buildsStart,
  buildsAdvance,
  buildsComplete,
  buildsCancel,
  lotsGenerate,
  labelsRender,
  labelsPrint,
  notifyMessage,
  notifyNotice,
  notifyUpload,
  notifyRespond,
  slackAnswer,
  traceRecall,
] as const;

type Definitions = (typeof JOB_DEFINITIONS)[number];
export type JobName = Definitions['name'];
/** The catalogue by name: each job's definition. */
export type JobCatalogue = { readonly [D in Definitions as D['name']]: D };
/** The data a job's processor sees (parsed with its schema). */
export type JobData<N extends JobName> = z.output<JobCatalogue[N]['data']>;
/** The data a command requests a job with (before parsing: defaults may be left out). */
export type JobInput<N extends JobName> = z.input<JobCatalogue[N]['data']>;

/** The definitions by name; two definitions with the same name are refused at start-up. */
function byName(definitions: readonly JobDefinition[]): JobCatalogue {
  const catalogue: Record<string, JobDefinition> = {};
  for (const d of definitions) {
    if (Object.hasOwn(catalogue, d.name)) throw new Error(`job catalogue: two definitions of ${d.name}`);
    catalogue[d.name] = d;
  }
  return Object.freeze(catalogue) as unknown as JobCatalogue;
}

export const JOBS: JobCatalogue = byName(JOB_DEFINITIONS);
export const JOB_NAMES = JOB_DEFINITIONS.map((d) => d.name) as JobName[];

export function isJobName(name: string): name is JobName {
  return Object.hasOwn(JOBS, name);
}
