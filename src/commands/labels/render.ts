/**
 * Rendering a label run into one PDF (the `labels.render` job): claimed, rendered with progress from
 * items read a thousand at a time, recorded with `labels.ready` — or settled failed with
 * `labels.failed` when the worker gives up. Runs sent to a printer are `printing/engine.ts`'s.
 */
import { z } from 'zod';
import { NotFoundError, RuleViolation, ValidationError } from '../../domain/errors.ts';
import { defaultDpi, getTemplate } from '../../domain/label-templates.ts';
import { labelRunWarnings, labelUrl, type LabelContent, type LabelRenderer } from '../../domain/labels.ts';
import { SYSTEM_ACTOR } from '../../domain/roles.ts';
import { defineCommand, execute, type CommandDeps } from '../define.ts';
import { gs1Labeller } from '../label-gs1.ts';
import type { LabelRun } from '../ports.ts';

const ITEMS_PER_QUERY = 1_000;

/** The resolution a run renders at: the one asked for, or its template's default for older runs. */
export function labelRunDpi(run: Pick<LabelRun, 'template' | 'dpi'>): number {
  return run.dpi ?? defaultDpi(getTemplate(run.template));
}

const claimRun = defineCommand({
  name: 'claimLabelRun',
  summary: 'Mark a label run as rendering (workers only)',
  role: 'admin',
  mode: 'write',
  input: z.strictObject({ id: z.int().positive() }),
  async run({ repos }, { id }): Promise<LabelRun | null> {
    const run = await repos.labels.findById(id, { lock: true });
    if (!run) throw new NotFoundError('label run', String(id));
    if (run.status === 'done' || run.status === 'failed') return null;
    return repos.labels.update(id, { status: 'rendering', done: 0 });
  },
});

const finishRun = defineCommand({
  name: 'finishLabelRun',
  summary: 'Record a rendered label run and announce it (workers only)',
  role: 'admin',
  mode: 'write',
  input: z.strictObject({ id: z.int().positive(), fileKey: z.string(), bytes: z.int(), pages: z.int() }),
  async run({ repos }, { id, fileKey, bytes, pages }) {
    const run = (await repos.labels.findById(id, { lock: true }))!;
    if (run.status === 'done') return run;
    const done = await repos.labels.update(id, {
      status: 'done',
      done: run.total,
      fileKey,
      bytes,
      pages,
      finished: true,
    });
    await repos.events.append([
      {
        type: 'labels.ready',
        stream: run.source.kind === 'build' ? `build:${run.source.buildCode}` : `labels:${run.id}`,
        data: {
          run: run.id,
          template: run.template,
          dpi: labelRunDpi(run),
          labels: run.total,
          pages,
          bytes,
          ...(run.source.kind === 'build' ? { build: run.source.buildCode } : {}),
          download: `/api/v1/labels/${run.id}/pdf`,
          // Where the labels' codes point, and whether a scanner can open it (a loopback address cannot).
          publicUrl: run.publicUrl,
          warnings: labelRunWarnings(run),
        },
      },
    ]);
    return done;
  },
});

/**
 * Renders a label run (the `labels.render` job). Items are read from the database a thousand at a
 * time while the renderer pulls them, so a 100,000-label run never holds them all. Progress is
 * written to the run as it goes. Run again after a crash, it simply renders the whole file again.
 */
export async function renderLabelRun(
  deps: CommandDeps,
  runId: number,
  options: {
    renderer: LabelRenderer;
    publicUrl: string;
    onProgress?: (done: number, total: number) => Promise<void>;
  },
): Promise<LabelRun> {
  const run = await execute(deps, claimRun, SYSTEM_ACTOR, { id: runId });
  if (!run) return (await deps.uow.read((repos) => repos.labels.findById(runId)))!;
  async function* contents(): AsyncIterable<LabelContent> {
    let after = 0;
    let index = 0;
    const gs1 = await deps.uow.read((repos) => gs1Labeller(repos, run!));
    for (;;) {
      const batch = await deps.uow.read((repos) => repos.labels.items(run!.source, after, ITEMS_PER_QUERY));
      for (const { key: _key, ...item } of batch)
        yield {
          ...item,
          url: labelUrl(run!.publicUrl ?? options.publicUrl, item.code),
          ...gs1?.(item, index++),
        };
      if (batch.length < ITEMS_PER_QUERY) return;
      after = batch[batch.length - 1]!.key;
    }
  }
  const fileKey = `labels/labels-${run.id}.pdf`;
  try {
    const { pages, bytes } = await options.renderer.render(contents(), {
      template: run.template,
      dpi: labelRunDpi(run),
      total: run.total,
      fileKey,
      onProgress: async (done) => {
        await deps.uow.transaction((repos) =>
          repos.labels.update(run.id, { done: Math.min(done, run.total) }),
        );
        await options.onProgress?.(done, run.total);
      },
    });
    return await execute(deps, finishRun, SYSTEM_ACTOR, { id: run.id, fileKey, bytes, pages });
  } catch (error) {
    if (error instanceof ValidationError || error instanceof RuleViolation)
      await settleLabelRun(deps, run.id, error.message);
    throw error;
  }
}

const settleRun = defineCommand({
  name: 'settleLabelRun',
  summary: 'Record why a label run could not be rendered, and announce it (workers only)',
  role: 'admin',
  mode: 'write',
  input: z.strictObject({ id: z.int().positive(), error: z.string().min(1).max(4000) }),
  async run({ repos }, { id, error }) {
    const run = await repos.labels.findById(id, { lock: true });
    if (!run || run.status === 'done' || run.status === 'failed') return run;
    const failed = await repos.labels.update(id, { status: 'failed', error, finished: true });
    await repos.events.append([
      {
        type: 'labels.failed',
        stream: run.source.kind === 'build' ? `build:${run.source.buildCode}` : `labels:${run.id}`,
        data: {
          run: run.id,
          template: run.template,
          labels: run.total,
          done: run.done,
          reason: error,
          ...(run.source.kind === 'build' ? { build: run.source.buildCode } : {}),
          actor: run.requestedBy,
        },
      },
    ]);
    return failed;
  },
});

/** Settles a label run a worker gave up on: failed, with the reason and `labels.failed`. */
export async function settleLabelRun(deps: CommandDeps, runId: number, reason: string): Promise<void> {
  await execute(deps, settleRun, SYSTEM_ACTOR, { id: runId, error: reason.slice(0, 4000) });
}
