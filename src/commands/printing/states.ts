/**
 * The states of a print run, each change with its event in one transaction: claimed by a job
 * (queued → printing), a batch recorded, paused (with what happened and how far it got), handed on
 * to a fresh job, finished (every label confirmed: `labels.printed`) or given up (`labels.failed`).
 * Workers only; people act through `runs.ts` (resume, cancel, reprint).
 */
import { z } from 'zod';
import { NotFoundError } from '../../domain/errors.ts';
import { PAUSE_STATES, pauseText, type Printer } from '../../domain/printers.ts';
import { defineCommand } from '../define.ts';
import type { LabelRun, Repositories } from '../ports.ts';
import { redrive } from '../work.ts';
import { SYSTEM_ACTOR } from '../../domain/roles.ts';

/** The stream a run's events go to: its build's, or its own. */
export const runStream = (run: LabelRun) =>
  run.source.kind === 'build' ? `build:${run.source.buildCode}` : `labels:${run.id}`;

/** The facts every print event carries, so a consumer needs no other call to understand it. */
export function printFacts(run: LabelRun, printer: Printer | null) {
  return {
    run: run.id,
    printer: printer ? { id: printer.id, name: printer.name, driver: printer.driver } : null,
    template: run.template,
    labels: run.total,
    printed: run.printed,
    ...(run.source.kind === 'build' ? { build: run.source.buildCode } : {}),
    ...(run.reprintOf ? { reprintOf: run.reprintOf, reason: run.reason } : {}),
    ...(run.trigger ? { trigger: run.trigger } : {}),
    actor: run.requestedBy,
  };
}

export async function findRunLocked(repos: Repositories, id: number): Promise<LabelRun> {
  const run = await repos.labels.findById(id, { lock: true });
  if (!run) throw new NotFoundError('label run', String(id), `label run ${id} does not exist`, 'id');
  return run;
}

/** Pauses a run in one transaction with its `labels.paused` event (a run not printing is left alone). */
export async function pauseRun(
  repos: Repositories,
  run: LabelRun,
  printer: Printer,
  pause: { state: string; message: string },
): Promise<LabelRun> {
  if (run.status !== 'printing' && run.status !== 'queued') return run;
  const printed = await repos.prints.countConfirmed(run.id);
  const reason = pauseText(printer.name, pause.message, printed, run.total);
  const paused = await repos.labels.update(run.id, {
    status: 'paused',
    printed,
    done: printed,
    pause: { state: pause.state, reason },
  });
  await repos.events.append([
    {
      type: 'labels.paused',
      stream: runStream(run),
      data: { ...printFacts(paused, printer), state: pause.state, reason, message: pause.message },
    },
  ]);
  return paused;
}

const owned = { id: z.int().positive(), owner: z.string().min(1).max(300) };

export const claimPrintRun = defineCommand({
  name: 'claimPrintRun',
  summary: 'Take a print run for a job, under its lease (workers only)',
  role: 'admin',
  mode: 'write',
  input: z.strictObject({ ...owned, leaseMs: z.int().positive() }),
  async run({ repos }, { id, owner, leaseMs }) {
    const run = await findRunLocked(repos, id);
    if (!['queued', 'printing'].includes(run.status) || run.printerId === null)
      return { status: 'stopped' as const, run };
    if (!(await repos.labels.lease(id, owner, leaseMs))) return { status: 'busy' as const };
    const printer = (await repos.printers.findById(run.printerId))!;
    if (!printer.enabled) {
      await repos.labels.releaseLease(id, owner);
      const paused = await pauseRun(repos, run, printer, {
        state: 'disabled',
        message: 'the printer is disabled; enable it or send the run to another printer',
      });
      return { status: 'stopped' as const, run: paused };
    }
    const claimed = run.status === 'queued' ? await repos.labels.update(id, { status: 'printing' }) : run;
    return { status: 'claimed' as const, run: claimed, printer };
  },
});

export const pausePrintRun = defineCommand({
  name: 'pausePrintRun',
  summary: 'Pause a print run on a printer fault, announcing labels.paused (workers only)',
  role: 'admin',
  mode: 'write',
  input: z.strictObject({ ...owned, state: z.enum(PAUSE_STATES), message: z.string().min(1).max(2000) }),
  async run({ repos }, { id, owner, state, message }) {
    const run = await findRunLocked(repos, id);
    await repos.labels.releaseLease(id, owner);
    const printer = (await repos.printers.findById(run.printerId!))!;
    return pauseRun(repos, run, printer, { state, message });
  },
});

export const recordBatch = defineCommand({
  name: 'recordBatch',
  summary: 'Record what the printer printed of a batch (workers only)',
  role: 'admin',
  mode: 'write',
  input: z.strictObject({
    id: z.int().positive(),
    key: z.string().min(1).max(200),
    printed: z.int().min(0),
    held: z.int().min(0),
  }),
  async run({ repos }, { id, key, printed, held }) {
    await findRunLocked(repos, id);
    await repos.prints.settleBatch(id, key, printed, held);
    const confirmed = await repos.prints.countConfirmed(id);
    return repos.labels.update(id, { printed: confirmed, done: confirmed });
  },
});

export const finishPrintRun = defineCommand({
  name: 'finishPrintRun',
  summary:
    'Record a print run whose every label the printer confirmed, announcing labels.printed (workers only)',
  role: 'admin',
  mode: 'write',
  input: z.strictObject(owned),
  async run({ repos }, { id, owner }) {
    const run = await findRunLocked(repos, id);
    await repos.labels.releaseLease(id, owner);
    if (run.status !== 'printing') return run;
    const counts = await repos.prints.counts(id);
    if (counts.confirmed < run.total) return run;
    const printer = await repos.printers.findById(run.printerId!);
    const done = await repos.labels.update(id, {
      status: 'done',
      printed: counts.confirmed,
      done: run.total,
      pause: null,
      finished: true,
    });
    await repos.events.append([
      { type: 'labels.printed', stream: runStream(run), data: printFacts(done, printer) },
    ]);
    return done;
  },
});

export const handOnPrintRun = defineCommand({
  name: 'handOnPrintRun',
  summary: 'Hand a print run to a fresh job after a slice (workers only)',
  role: 'admin',
  mode: 'write',
  input: z.strictObject({ ...owned, detail: z.string().max(2000).nullable() }),
  async run({ repos }, { id, owner, detail }) {
    const run = await findRunLocked(repos, id);
    await repos.labels.releaseLease(id, owner);
    if (run.status === 'printing')
      await redrive(
        repos,
        `label_run:${id}`,
        { cause: 'continue', detail: detail ?? 'next slice' },
        SYSTEM_ACTOR,
      );
    return (await repos.labels.findById(id))!;
  },
});

export const settlePrintRun = defineCommand({
  name: 'settlePrintRun',
  summary: 'Record why a print run was given up, announcing labels.failed (workers only)',
  role: 'admin',
  mode: 'write',
  input: z.strictObject({ id: z.int().positive(), error: z.string().min(1).max(4000) }),
  async run({ repos }, { id, error }) {
    const run = await repos.labels.findById(id, { lock: true });
    if (!run || !['queued', 'printing', 'paused'].includes(run.status)) return run;
    await repos.prints.failUnconfirmed(id);
    const printer = run.printerId ? await repos.printers.findById(run.printerId) : null;
    const failed = await repos.labels.update(id, { status: 'failed', error, pause: null, finished: true });
    await repos.events.append([
      {
        type: 'labels.failed',
        stream: runStream(run),
        data: { ...printFacts(failed, printer), done: failed.printed, reason: error },
      },
    ]);
    return failed;
  },
});
