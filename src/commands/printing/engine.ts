/**
 * Sending a print run to its printer, each label exactly once (the `labels.print` job).
 *
 * The per-label print records are the truth. A slice of work (one job) first settles the batches an
 * earlier slice left open — sent, neither confirmed nor known unprinted: after a crash, a dropped
 * connection or a printer fault — by asking the driver how many of them the printer printed; then
 * it sends the next queued labels batch by batch, each batch recorded as sent (with the driver's
 * mark) before a byte goes out and confirmed from the printer's own answer after. A label is queued
 * again only when the printer certainly did not print it; a confirmed label is never sent again.
 *
 * A printer that stops (out of labels, head open, paused, unreachable) pauses the run, with what
 * happened and how far it got; the printer watch resumes it when the printer is ready again. A
 * slice ends after `sliceMs` and hands the run to a fresh job, so no job runs for minutes.
 */
import type { LabelContent } from '../../domain/labels.ts';
import { labelUrl } from '../../domain/labels.ts';
import type { PauseState, PrinterDriver, PrinterStatus, PrinterTarget } from '../../domain/printers.ts';
import { SYSTEM_ACTOR } from '../../domain/roles.ts';
import { RuleViolation, ValidationError } from '../../domain/errors.ts';
import { execute, type CommandDeps } from '../define.ts';
import { gs1Labeller } from '../label-gs1.ts';
import type { LabelRun, PrinterDrivers } from '../ports.ts';
import {
  claimPrintRun,
  finishPrintRun,
  handOnPrintRun,
  pausePrintRun,
  recordBatch,
  settlePrintRun,
} from './states.ts';

/** Records created per transaction while a run's labels are laid down. */
const CREATE_CHUNK = 1_000;
/** How long to wait for a printer that still prints labels it holds before asking again. */
const DRAIN_WAIT_MS = 250;

export interface PrintOptions {
  drivers: PrinterDrivers;
  /** PUBLIC_URL of the worker: where codes point for runs that did not keep one. */
  publicUrl: string;
  /** The job carrying this slice: it owns the run's lease. */
  owner: string;
  /** Work this long, then hand the run to a fresh job. */
  sliceMs: number;
  /** The run's lease: one job at a time sends its labels. */
  leaseMs: number;
  signal?: AbortSignal;
  onProgress?: (printed: number, total: number) => Promise<void>;
}

export type SliceResult =
  { status: 'busy' } | { status: 'finished' | 'paused' | 'handed-on' | 'stopped'; run: LabelRun };

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

/** Lays down the run's print records from its source, resuming where an earlier slice stopped. */
async function createRecords(deps: CommandDeps, run: LabelRun, publicUrl: string): Promise<void> {
  let last = await deps.uow.read((repos) => repos.prints.lastCreated(run.id));
  if (last.seq >= run.total) return;
  const gs1 = await deps.uow.read((repos) => gs1Labeller(repos, run));
  while (last.seq < run.total) {
    const items = await deps.uow.read((repos) => repos.labels.items(run.source, last.itemKey, CREATE_CHUNK));
    if (items.length === 0) break;
    const records = items.slice(0, run.total - last.seq).map(({ key, ...item }, i) => ({
      seq: last.seq + i + 1,
      itemKey: key,
      content: {
        ...item,
        url: labelUrl(run.publicUrl ?? publicUrl, item.code),
        ...gs1?.(item, last.seq + i),
      } as LabelContent,
    }));
    await deps.uow.transaction((repos) => repos.prints.create(run.id, records));
    last = { seq: records.at(-1)!.seq, itemKey: records.at(-1)!.itemKey };
    if (items.length < CREATE_CHUNK) break;
  }
}

/**
 * One slice of a print run. Answers `busy` when another job holds the run's lease (the caller puts
 * its job back a little later), else how the slice ended.
 */
export async function printLabelRunSlice(
  deps: CommandDeps,
  runId: number,
  options: PrintOptions,
): Promise<SliceResult> {
  const claim = await execute(deps, claimPrintRun, SYSTEM_ACTOR, {
    id: runId,
    owner: options.owner,
    leaseMs: options.leaseMs,
  });
  if (claim.status !== 'claimed')
    return claim.status === 'busy' ? { status: 'busy' } : { status: 'stopped', run: claim.run };
  const { run, printer } = claim;
  const driver = options.drivers[printer.driver];
  const target: PrinterTarget = printer;
  // The lease is renewed while the slice works; lost (another job took the run after it ran out, as
  // when this process stalled), the slice stops at once: two jobs never send one run's labels.
  const lost = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, lost.signal]) : lost.signal;
  const renew = setInterval(
    () =>
      void deps.uow
        .transaction((repos) => repos.labels.lease(run.id, options.owner, options.leaseMs))
        .then((held) => held || lost.abort(new Error('the lease on the run was lost')))
        .catch(() => {}),
    Math.max(1_000, Math.floor(options.leaseMs / 3)),
  );
  const pause = async (status: { state: PauseState; message: string }) => ({
    status: 'paused' as const,
    run: await execute(deps, pausePrintRun, SYSTEM_ACTOR, {
      id: run.id,
      owner: options.owner,
      state: status.state,
      message: status.message,
    }),
  });
  try {
    await createRecords(deps, run, options.publicUrl);
    const started = Date.now();
    for (;;) {
      if (lost.signal.aborted) return { status: 'stopped', run };
      if (options.signal?.aborted) return await handOn(deps, run.id, options, 'the worker is stopping');
      // 1. Batches left open: how many of their labels did the printer print?
      const open = await deps.uow.read((repos) => repos.prints.openBatches(run.id));
      let waiting = false;
      for (const batch of open) {
        let settled;
        try {
          settled = await driver.settle(
            target,
            { key: batch.key, count: batch.confirmed + batch.sent },
            batch.mark,
            signal,
          );
        } catch (error) {
          return await pause({
            state: 'unreachable',
            message: `cannot ask the printer about labels ${batch.first}–${batch.first + batch.confirmed + batch.sent - 1}: ${(error as Error).message}`,
          });
        }
        if (settled === null) {
          const last = batch.first + batch.confirmed + batch.sent - 1;
          return await pause({
            state: 'in-doubt',
            message: `label${batch.sent > 1 ? `s ${batch.first + batch.confirmed}–${last}` : ` ${last}`} may or may not have printed (the printer cannot say): look at its output, then resume with "printed" or "reprint"`,
          });
        }
        await execute(deps, recordBatch, SYSTEM_ACTOR, {
          id: run.id,
          key: batch.key,
          printed: settled.printed,
          held: settled.pending,
        });
        if (settled.pending > 0) {
          const status = await driver.status(target, signal);
          await recordPrinterStatus(deps, printer.id, status);
          if (!status.ready && status.state !== 'printing') return await pause(status);
          waiting = true;
        }
      }
      if (waiting) {
        // The printer still works through labels it holds: wait for it, within this job's slice.
        if (Date.now() - started >= options.sliceMs)
          return await handOn(deps, run.id, options, 'the printer still holds labels');
        await sleep(DRAIN_WAIT_MS, signal);
        continue;
      }
      // 2. The next batch.
      const batchSize = driver.batchSize(target);
      const next = await deps.uow.read((repos) => repos.prints.nextQueued(run.id, batchSize));
      if (next.length === 0) {
        const finished = await execute(deps, finishPrintRun, SYSTEM_ACTOR, {
          id: run.id,
          owner: options.owner,
        });
        return { status: finished.status === 'done' ? 'finished' : 'stopped', run: finished };
      }
      if (Date.now() - started >= options.sliceMs) return await handOn(deps, run.id, options, null);
      const status = await driver.status(target, signal);
      await recordPrinterStatus(deps, printer.id, status);
      if (!status.ready) return await pause(status);
      // Unique per attempt: the same labels sent again after a fault form a new batch.
      const key = `bt-${run.id}-${next[0]!.seq}-${Date.now().toString(36)}`;
      const batch = { first: next[0]!.seq, labels: next.map((n) => n.content), key };
      let mark;
      try {
        mark = await driver.mark(target, batch, signal);
      } catch (error) {
        return await pause({ state: 'unreachable', message: (error as Error).message });
      }
      const opened = await deps.uow.transaction(async (repos) => {
        // Under the run's row lock: a run cancelled since its labels were read sends nothing more.
        const now = await repos.labels.findById(run.id, { lock: true });
        if (now?.status !== 'printing') return null;
        return repos.prints.openBatch(run.id, { key: batch.key, seqs: next.map((n) => n.seq), mark });
      });
      if (opened !== next.length) {
        const now = (await deps.uow.read((repos) => repos.labels.findById(run.id)))!;
        if (opened === null) return { status: 'stopped', run: now };
        // Another job took some of these labels: send nothing now, settle what is open first.
        continue;
      }
      const outcome = await driver.print(target, batch, mark, signal);
      const after = await execute(deps, recordBatch, SYSTEM_ACTOR, {
        id: run.id,
        key: batch.key,
        printed: outcome.printed,
        held: outcome.unsettled,
      });
      await options.onProgress?.(after.printed, after.total);
      if (outcome.fault) {
        await recordPrinterStatus(deps, printer.id, outcome.fault);
        return await pause(outcome.fault);
      }
    }
  } catch (error) {
    if (error instanceof ValidationError || error instanceof RuleViolation)
      await settleLabelPrint(deps, run.id, error.message);
    throw error;
  } finally {
    clearInterval(renew);
    await deps.uow.transaction((repos) => repos.labels.releaseLease(run.id, options.owner)).catch(() => {});
  }
}

async function handOn(
  deps: CommandDeps,
  runId: number,
  options: PrintOptions,
  why: string | null,
): Promise<SliceResult> {
  const run = await execute(deps, handOnPrintRun, SYSTEM_ACTOR, {
    id: runId,
    owner: options.owner,
    detail: why,
  });
  return { status: 'handed-on', run };
}

async function recordPrinterStatus(
  deps: CommandDeps,
  printerId: number,
  status: PrinterStatus,
): Promise<void> {
  await deps.uow.transaction((repos) => repos.printers.recordStatus(printerId, status));
}

/** Settles a print run a worker gave up on: failed, unprinted labels failed, `labels.failed`. */
export async function settleLabelPrint(deps: CommandDeps, runId: number, reason: string): Promise<void> {
  await execute(deps, settlePrintRun, SYSTEM_ACTOR, { id: runId, error: reason.slice(0, 4000) });
}

export type { PrinterDriver };
