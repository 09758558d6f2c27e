/**
 * Work in flight: redriving a subject whose job was lost (a fresh job for the same work, recorded),
 * and the report `buildtrace doctor` and the admin API show — what is in flight, what waits for a
 * person, what the reconciler did lately, and whether the data keeps its rules.
 */
import { z } from 'zod';
import { RuleViolation } from '../domain/errors.ts';
import type { Actor } from '../domain/roles.ts';
import { defineCommand } from './define.ts';
import type { InFlightWork, Repositories, StrandedReport, WorkAction } from './ports.ts';
import { flag } from './validation.ts';

/**
 * Hands a subject still in flight to a fresh job (`<base job id>-r<n>`), recorded in the action log
 * in the same transaction as the job request. Answers null when the subject is no longer in flight,
 * its carrier changed since it was looked at (`expectedCarrier`), or its job still waits for the
 * relay — so two reconcilers, or a reconciler and a person, never redrive it twice.
 */
export async function redrive(
  repos: Repositories,
  subject: string,
  how: { cause: WorkAction['cause']; detail?: string | null; expectedCarrier?: string },
  actor: Actor,
): Promise<{ work: InFlightWork; jobId: string } | null> {
  const work = await repos.work.lockInFlight(subject);
  if (!work || work.awaitingHandover) return null;
  if (how.expectedCarrier !== undefined && work.carrierJobId !== how.expectedCarrier) return null;
  const jobId = `${work.baseJobId}-r${work.redrives + 1}`;
  await repos.work.record({
    subject,
    job: work.job,
    action: 'redrive',
    cause: how.cause,
    baseJobId: work.baseJobId,
    jobId,
    detail: how.detail ?? null,
    progress: work.progress,
    actor: actor.name,
  });
  await repos.jobs.enqueue({ name: work.job, data: work.data, jobId });
  return { work, jobId };
}

export const redriveWork = defineCommand({
  name: 'redriveWork',
  summary: 'Give work in flight whose job was lost a fresh job (the reconciler)',
  role: 'admin',
  mode: 'write',
  input: z.strictObject({
    subject: z.string().min(3).max(200),
    cause: z.enum(['missing', 'failed', 'completed']),
    detail: z.string().max(2000).nullish(),
    expectedCarrier: z.string().max(300).optional(),
  }),
  run: ({ repos, actor }, { subject, cause, detail, expectedCarrier }) =>
    redrive(
      repos,
      subject,
      { cause, detail: detail ?? null, ...(expectedCarrier ? { expectedCarrier } : {}) },
      actor,
    ),
});

export const recordWorkSettlement = defineCommand({
  name: 'recordWorkSettlement',
  summary: 'Log that the reconciler settled stranded work (the reconciler)',
  role: 'admin',
  mode: 'write',
  input: z.strictObject({
    subject: z.string().min(3).max(200),
    job: z.string().max(100),
    cause: z.enum(['missing', 'failed', 'completed']),
    baseJobId: z.string().max(300),
    detail: z.string().max(2000),
    progress: z.int().min(0),
  }),
  run: ({ repos, actor }, input) =>
    repos.work.record({ ...input, action: 'settle', jobId: null, actor: actor.name }),
});

/** Puts a failed subject back in flight on a fresh job, for a person's retry. */
export async function retryRedrive(repos: Repositories, subject: string, actor: Actor): Promise<string> {
  const redriven = await redrive(repos, subject, { cause: 'retry', detail: `retry by ${actor.name}` }, actor);
  if (!redriven) throw new RuleViolation(`${subject.replace(':', ' ')} is not waiting to be retried`);
  return redriven.jobId;
}

/** The doctor's report: problems are stranded work and broken rules; the rest is for reading. */
async function report(
  repos: Repositories,
  stranded: StrandedReport | null,
  options: { invariants: boolean; limit: number },
) {
  const invariants = options.invariants ? await repos.work.checkInvariants() : null;
  const broken = (invariants ?? []).filter((c) => c.violations > 0);
  return {
    problems: (stranded?.stranded.length ?? 0) + broken.length,
    inFlight: await repos.work.countInFlight(),
    stranded,
    invariants,
    awaitingAction: await repos.work.awaitingAction(options.limit),
    recentActions: await repos.work.recentActions(options.limit),
  };
}

const reportInput = z.strictObject({
  invariants: flag.default(true).describe('also check the rules the data must keep (reads every table)'),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
});

export const inspectWork = defineCommand({
  name: 'inspectWork',
  summary:
    'The doctor: work in flight without a live job, the rules the data must keep, what waits for a person and what the reconciler did lately',
  role: 'admin',
  mode: 'read',
  input: reportInput,
  async run({ repos, services }, options) {
    return report(repos, services.work ? await services.work.inspect() : null, options);
  },
});

export const reconcileWork = defineCommand({
  name: 'reconcileWork',
  summary: 'Run one reconciler pass now (redrive or settle stranded work), then report as the doctor does',
  role: 'admin',
  mode: 'read',
  input: reportInput,
  async run({ repos, services }, options) {
    if (!services.work) throw new RuleViolation('this process has no reconciler');
    const pass = await services.work.reconcile();
    return { pass, ...(await report(repos, await services.work.inspect(), options)) };
  },
});
