/**
 * What people do with a print run: resume it (after a pause; for labels in doubt, saying whether
 * they printed), cancel it, see its per-label records, and reprint labels — always an explicit
 * request, a new run recorded with who asked and why, never a silent resend.
 */
import { z } from 'zod';
import { NotFoundError, RuleViolation, ValidationError } from '../../domain/errors.ts';
import {
  resumesByItself,
  PRINT_RECORD_STATUSES,
  type PauseState,
  type Printer,
} from '../../domain/printers.ts';
import type { Actor } from '../../domain/roles.ts';
import { parseSerialRanges } from '../../domain/serial-ranges.ts';
import { defineCommand } from '../define.ts';
import { jobRequest } from '../jobs.ts';
import type { LabelRun, Repositories } from '../ports.ts';
import { numericId, pageQuery } from '../validation.ts';
import { redrive } from '../work.ts';
import { findRunLocked, printFacts, runStream } from './states.ts';
import { resolvePrinter } from './printers.ts';

/** Puts a paused run back to printing on a fresh job, with `labels.resumed`. */
export async function resumeRun(
  repos: Repositories,
  run: LabelRun,
  actor: Actor,
  how: { inDoubt?: 'printed' | 'reprint' | undefined; through?: number | undefined },
): Promise<LabelRun> {
  if (run.status !== 'paused')
    throw new RuleViolation(`label run ${run.id} is ${run.status}: only a paused run is resumed`);
  const printer = (await repos.printers.findById(run.printerId!))!;
  if (!printer.enabled) throw new RuleViolation(`printer ${printer.name} is disabled: enable it first`);
  let settled: { confirmed: number; requeued: number } | null = null;
  const open = await repos.prints.openRange(run.id);
  if (run.pausedState === 'in-doubt' && open) {
    if (!how.inDoubt)
      throw ValidationError.field(
        'inDoubt',
        `say what happened to labels ${open.first}–${open.last}, which may have printed: "printed" (they came out; with through: N, those up to N did) or "reprint" (none did: send them again)`,
      );
    if (how.through !== undefined && (how.through < open.first - 1 || how.through > open.last))
      throw ValidationError.field('through', `must be between ${open.first - 1} and ${open.last}`);
    const through = how.inDoubt === 'reprint' ? 0 : (how.through ?? open.last);
    settled = await repos.prints.resolveOpen(run.id, through);
  }
  const printed = await repos.prints.countConfirmed(run.id);
  const resumed = await repos.labels.update(run.id, {
    status: 'printing',
    printed,
    done: printed,
    pause: null,
  });
  await redrive(repos, `label_run:${run.id}`, { cause: 'resume', detail: `resumed by ${actor.name}` }, actor);
  await repos.events.append([
    {
      type: 'labels.resumed',
      stream: runStream(run),
      data: {
        ...printFacts(resumed, printer),
        pausedFor: run.pausedState,
        by: actor.name,
        ...(settled ? { inDoubt: how.inDoubt, ...settled } : {}),
      },
    },
  ]);
  return resumed;
}

export const resumeLabelRun = defineCommand({
  name: 'resumeLabelRun',
  summary: 'Resume a paused print run now (it also resumes by itself when its printer is ready)',
  role: 'operator',
  mode: 'write',
  input: z.strictObject({
    id: numericId,
    inDoubt: z
      .enum(['printed', 'reprint'])
      .optional()
      .describe(
        'for a run paused with labels in doubt: they came out (`printed`), or send them again (`reprint`)',
      ),
    through: z
      .int()
      .min(0)
      .optional()
      .describe(
        'with inDoubt "printed": the labels in doubt came out up to this position in the run; the rest are sent again',
      ),
  }),
  async run({ repos, actor }, { id, inDoubt, through }) {
    if (through !== undefined && inDoubt !== 'printed')
      throw ValidationError.field('through', 'goes with inDoubt "printed"');
    return resumeRun(repos, await findRunLocked(repos, id), actor, { inDoubt, through });
  },
});

/** The printer watch's resume: only runs paused for a reason the printer fixes by itself. */
export const autoResumeLabelRun = defineCommand({
  name: 'autoResumeLabelRun',
  summary: 'Resume a run paused on a printer fault once the printer is ready (the printer watch)',
  role: 'admin',
  mode: 'write',
  input: z.strictObject({ id: z.int().positive() }),
  async run({ repos, actor }, { id }) {
    const run = await findRunLocked(repos, id);
    if (run.status !== 'paused' || !resumesByItself((run.pausedState ?? 'requested') as PauseState))
      return null;
    return resumeRun(repos, run, actor, {});
  },
});

export const cancelLabelRun = defineCommand({
  name: 'cancelLabelRun',
  summary: 'Cancel a print run: labels not yet printed are not sent (those confirmed stay printed)',
  role: 'operator',
  mode: 'write',
  input: z.strictObject({ id: numericId }),
  async run({ repos, actor }, { id }) {
    const run = await findRunLocked(repos, id);
    if (run.printerId === null || !['queued', 'printing', 'paused'].includes(run.status))
      throw new RuleViolation(
        `label run ${id} is ${run.printerId === null ? 'a PDF run' : run.status}: only a print run not yet finished is cancelled`,
      );
    await repos.prints.failUnconfirmed(id);
    const printed = await repos.prints.countConfirmed(id);
    const cancelled = await repos.labels.update(id, {
      status: 'cancelled',
      printed,
      done: printed,
      pause: null,
      finished: true,
    });
    const printer = await repos.printers.findById(run.printerId);
    await repos.events.append([
      {
        type: 'labels.cancelled',
        stream: runStream(run),
        data: { ...printFacts(cancelled, printer), by: actor.name },
      },
    ]);
    return cancelled;
  },
});

export const listLabelPrints = defineCommand({
  name: 'listLabelPrints',
  summary: "A print run's labels, one record each: queued, sent, confirmed or failed",
  role: 'viewer',
  mode: 'read',
  input: pageQuery.extend({ id: numericId, status: z.enum(PRINT_RECORD_STATUSES).optional() }),
  async run({ repos }, { id, ...page }) {
    const run = await repos.labels.findById(id);
    if (!run) throw new NotFoundError('label run', String(id), `label run ${id} does not exist`, 'id');
    return repos.prints.list(id, page);
  },
});

/** Starts a print run of `records` (already laid down) on `printer`: the `labels.print` job. */
export async function enqueuePrint(repos: Repositories, run: LabelRun): Promise<void> {
  await repos.jobs.enqueue(jobRequest('labels.print', { runId: run.id }, `labels-print-${run.id}`));
}

export const reprintLabels = defineCommand({
  name: 'reprintLabels',
  summary: 'Print labels of a print run again: a new run, recorded with who asked and why',
  role: 'operator',
  mode: 'write',
  input: z.strictObject({
    id: numericId,
    labels: z
      .string()
      .max(2000)
      .optional()
      .describe('positions in the run as "1-20,25" (see GET /labels/{id}/prints); every label when left out'),
    reason: z.string().trim().min(3).max(500).describe('why: kept with the run and its events'),
    printer: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .describe("a printer's name; the run's printer when left out"),
  }),
  async run({ repos, actor }, { id, labels, reason, printer: printerName }) {
    const original = await repos.labels.findById(id);
    if (!original) throw new NotFoundError('label run', String(id), `label run ${id} does not exist`, 'id');
    if (original.printerId === null)
      throw new RuleViolation(
        `label run ${id} was rendered to a PDF: download it again, or request labels with a printer`,
      );
    const seqs = labels
      ? parseSerialRanges(labels, original.total, 'labels')
      : Array.from({ length: original.total }, (_, i) => i + 1);
    const printer: Printer = printerName
      ? await resolvePrinter(repos, 'printer', printerName)
      : (await repos.printers.findById(original.printerId))!;
    if (!printer.enabled) throw new RuleViolation(`printer ${printer.name} is disabled`);
    if (printer.template !== original.template)
      throw ValidationError.field(
        'printer',
        `printer ${printer.name} holds ${printer.template} labels; run ${id} printed ${original.template}`,
      );
    const contents = await repos.prints.contents(id, seqs);
    const run = await repos.labels.insert({
      template: original.template,
      dpi: printer.dpi,
      source: original.source,
      total: contents.length,
      requestedBy: actor.name,
      publicUrl: original.publicUrl,
      printerId: printer.id,
      reprintOf: original.id,
      reason,
    });
    await repos.prints.create(
      run.id,
      contents.map((c, i) => ({ seq: i + 1, itemKey: c.itemKey, content: c.content })),
    );
    await enqueuePrint(repos, run);
    return run;
  },
});
