/**
 * Recalls: the forward trace of a component lot written to a CSV report by a worker — every affected
 * device with its status (and customer, once shipped) — announced with `recall.ready`.
 */
import { z } from 'zod';
import { csvLine } from '../domain/csv.ts';
import { NotFoundError, RuleViolation } from '../domain/errors.ts';
import { SYSTEM_ACTOR } from '../domain/roles.ts';
import { defineCommand, execute, type CommandDeps } from './define.ts';
import { retryRedrive } from './work.ts';
import { jobRequest } from './jobs.ts';
import { findLot } from './lookup.ts';
import type { Repositories } from './ports.ts';
import { traceFilter } from './trace.ts';
import { lotRef, pageQuery, text, numericId } from './validation.ts';

const COLUMNS = [
  'lot',
  'part_code',
  'part',
  'serial',
  'formatted_serial',
  'build',
  'status',
  'location',
  'customer',
  'depth',
];

/** The recall with this id, or a 404 naming `id`. */
async function findRecall(repos: Repositories, id: number, lock = false) {
  const found = await repos.recalls.findById(id, { lock });
  if (!found) throw new NotFoundError('recall', String(id), `recall ${id} does not exist`, 'id');
  return found;
}

export const createRecall = defineCommand({
  name: 'createRecall',
  summary: 'Write a recall report: every lot and device containing a component lot, as CSV (by a worker)',
  role: 'operator',
  mode: 'write',
  input: z.strictObject({
    lot: lotRef,
    reason: text(1000),
    status: traceFilter.status,
    from: traceFilter.from,
    to: traceFilter.to,
    unitsOnly: traceFilter.unitsOnly,
  }),
  async run({ repos, actor }, { lot: code, reason, status, from, to, unitsOnly }) {
    const lot = await findLot(repos, 'lot', code);
    const filter = {
      ...(status ? { status } : {}),
      ...(from ? { from } : {}),
      ...(to ? { to } : {}),
      ...(unitsOnly ? { unitsOnly } : {}),
    };
    const recall = await repos.recalls.insert({ lotId: lot.id, filter, reason, requestedBy: actor.name });
    await repos.jobs.enqueue(jobRequest('trace.recall', { recallId: recall.id }, `recall-${recall.id}`));
    return recall;
  },
});

/** Run by the `trace.recall` job. Running it again rewrites the same file and announces nothing new. */
export const runRecall = defineCommand({
  name: 'runRecall',
  summary: 'Write a queued recall report (workers only)',
  role: 'admin',
  mode: 'write',
  input: z.strictObject({ recallId: z.int().positive() }),
  async run({ repos }, { recallId }) {
    const recall = await repos.recalls.findById(recallId, { lock: true });
    if (!recall) throw new NotFoundError('recall', String(recallId));
    if (recall.status !== 'queued') return recall;
    const chunks = repos.trace.forwardEach(recall.lotId, {
      statuses: recall.filter.status as never,
      builtFrom: recall.filter.from,
      builtTo: recall.filter.to,
      unitsOnly: recall.filter.unitsOnly,
    });
    const fileKey = `recalls/recall-${recall.id}.csv`;
    // Written as the trace is read: the report is never all in memory (a chunk of lots at a time).
    let devices = 0;
    async function* rows() {
      yield csvLine(COLUMNS);
      for await (const lots of chunks) {
        devices += lots.length;
        yield lots
          .map((l) =>
            csvLine([
              l.code,
              l.partCode,
              l.partName,
              l.serial,
              l.serialLabel,
              l.buildCode,
              l.status,
              l.locationCode,
              l.customer,
              l.depth,
            ]),
          )
          .join('');
      }
    }
    await repos.files.put(fileKey, rows());
    const done = await repos.recalls.finish(recall.id, { devices, fileKey });
    await repos.events.append([
      {
        type: 'recall.ready',
        stream: `recall:${recall.id}`,
        data: {
          recall: recall.id,
          lot: recall.lotCode,
          reason: recall.reason,
          devices,
          report: `/api/v1/recalls/${recall.id}/report.csv`,
        },
      },
    ]);
    return done;
  },
});

export const getRecall = defineCommand({
  name: 'getRecall',
  summary: 'Show a recall and whether its report is ready',
  role: 'viewer',
  mode: 'read',
  input: z.strictObject({ id: numericId }),
  async run({ repos }, { id }) {
    const recall = await findRecall(repos, id);
    return recall;
  },
});

export const listRecalls = defineCommand({
  name: 'listRecalls',
  summary: 'List recalls',
  role: 'viewer',
  mode: 'read',
  reads: 'replica',
  input: pageQuery,
  run: ({ repos }, page) => repos.recalls.list(page),
});

export const downloadRecallReport = defineCommand({
  name: 'downloadRecallReport',
  summary: "Download a recall's CSV report",
  role: 'viewer',
  mode: 'read',
  input: z.strictObject({ id: numericId }),
  async run({ repos }, { id }) {
    const recall = await findRecall(repos, id);
    const file = recall.fileKey ? await repos.files.open(recall.fileKey) : null;
    if (!file)
      throw new NotFoundError(
        'recall report',
        String(id),
        `the report of recall ${id} is not ready yet (status ${recall.status})`,
      );
    return {
      ...file,
      filename: `recall-${id}-${recall.lotCode}.csv`,
      contentType: 'text/csv; charset=utf-8',
    };
  },
});

const settleRecallCommand = defineCommand({
  name: 'settleRecall',
  summary: 'Record why a recall report could not be written, and announce it (workers only)',
  role: 'admin',
  mode: 'write',
  input: z.strictObject({ recallId: z.int().positive(), error: z.string().min(1).max(4000) }),
  async run({ repos }, { recallId, error }) {
    const recall = await repos.recalls.findById(recallId, { lock: true });
    if (!recall || recall.status !== 'queued') return recall;
    const failed = await repos.recalls.fail(recall.id, error);
    await repos.events.append([
      {
        type: 'recall.failed',
        stream: `recall:${recall.id}`,
        data: { recall: recall.id, lot: recall.lotCode, reason: error, actor: recall.requestedBy },
      },
    ]);
    return failed;
  },
});

/** Settles a recall a worker gave up on: failed, with the reason and `recall.failed`. */
export async function settleRecall(deps: CommandDeps, recallId: number, reason: string): Promise<void> {
  await execute(deps, settleRecallCommand, SYSTEM_ACTOR, { recallId, error: reason.slice(0, 4000) });
}

export const retryRecall = defineCommand({
  name: 'retryRecall',
  summary: 'Write a failed recall report again',
  role: 'operator',
  mode: 'write',
  input: z.strictObject({ id: numericId }),
  async run({ repos, actor }, { id }) {
    const recall = await findRecall(repos, id, true);
    if (recall.status !== 'failed')
      throw new RuleViolation(`recall ${id} is ${recall.status}: only a failed recall is written again`);
    await repos.recalls.requeue(id);
    await retryRedrive(repos, `recall:${id}`, actor);
    return (await repos.recalls.findById(id))!;
  },
});
