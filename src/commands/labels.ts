/**
 * Labels: a request names what to print (a build's units or a serial range of them, or lists of lots,
 * parts or locations) and a template; a worker renders one PDF with progress, stores it, and
 * announces `labels.ready`.
 */
import { z } from 'zod';
import { labelRunWarnings, labelUrl, type LabelContent, type LabelRenderer } from '../domain/labels.ts';

export type { LabelRenderer } from '../domain/labels.ts';
import { NotFoundError, RuleViolation, ValidationError } from '../domain/errors.ts';
import { TEMPLATE_NAMES, defaultDpi, getTemplate, supportsDpi } from '../domain/label-templates.ts';
import { defineCommand, execute, type CommandDeps } from './define.ts';
import { jobRequest } from './jobs.ts';
import { findOrFail, normalizeCode } from './lookup.ts';
import type { LabelRun, LabelSource, Repositories } from './ports.ts';
import { idCodeRef, pageQuery, numericId } from './validation.ts';
import { SYSTEM_ACTOR } from '../domain/roles.ts';
import { retryRedrive } from './work.ts';
import { toRanges } from '../domain/builds.ts';
import { resolveSerials, serialsInput } from './builds/shared.ts';
import { slackDeliveryOf } from './slack-delivery.ts';
import { resolvePrinter } from './printing/printers.ts';
import { enqueuePrint } from './printing/runs.ts';
import { checkGs1Run, gs1Labeller, symbolInput } from './label-gs1.ts';

const codeList = z.array(idCodeRef).min(1).max(10_000);
/** The stock a label run renders on when neither the request nor a printer says. */
const DEFAULT_TEMPLATE = 'brother-62x29';

/** The printer a request names: by name or id, or `default` — the build's project's or the lots' location's. */
async function printerFor(repos: Repositories, ref: string, source: LabelSource) {
  if (ref.toLowerCase() !== 'default') return resolvePrinter(repos, 'printer', ref);
  let assignment = null;
  if (source.kind === 'build') {
    const build = (await repos.builds.findById(source.buildId))!;
    assignment = await repos.printers.assignment('project', build.projectId);
  } else if (source.kind === 'lots') {
    const lot = await repos.lots.findById(source.lotIds[0]!);
    if (lot?.locationId) assignment = await repos.printers.assignment('location', lot.locationId);
  }
  if (!assignment)
    throw ValidationError.field(
      'printer',
      source.kind === 'build'
        ? "the build's project has no printer: name one, or give the project a printer (PUT /projects/{code}/printer)"
        : source.kind === 'lots'
          ? "the first lot's location has no printer: name one, or give the location a printer (PUT /locations/{code}/printer)"
          : 'only builds and lots have a default printer: name one',
    );
  return (await repos.printers.findById(assignment.printerId))!;
}
const ITEMS_PER_QUERY = 1_000;

/** The resolution a run renders at: the one asked for, or its template's default for older runs. */
export function labelRunDpi(run: Pick<LabelRun, 'template' | 'dpi'>): number {
  return run.dpi ?? defaultDpi(getTemplate(run.template));
}

async function resolveIds(
  repos: Repositories,
  field: string,
  codes: string[],
  find: (code: string) => Promise<{ id: number } | null>,
  kind: string,
) {
  const ids: number[] = [];
  for (const [i, raw] of codes.entries()) {
    const code = normalizeCode(`${field}.${i}`, raw);
    const found = await find(code);
    if (!found)
      throw new NotFoundError(kind, code, `${field}.${i}: ${kind} ${code} does not exist`, `${field}.${i}`);
    ids.push(found.id);
  }
  return [...new Set(ids)];
}

/** The label run with this id, or a 404 naming `id`. */
async function findRun(repos: Repositories, id: number, lock = false) {
  const found = await repos.labels.findById(id, { lock });
  if (!found) throw new NotFoundError('label run', String(id), `label run ${id} does not exist`, 'id');
  return found;
}

export const requestLabels = defineCommand({
  name: 'requestLabels',
  summary: "Render labels into one PDF (a build's units or a serial range, or lots, parts or locations)",
  role: 'operator',
  mode: 'write',
  input: z
    .strictObject({
      template: z
        .enum(TEMPLATE_NAMES as [string, ...string[]])
        .optional()
        .describe(`the label stock: ${DEFAULT_TEMPLATE} when left out, or the printer's when printing`),
      dpi: z
        .int()
        .positive()
        .optional()
        .describe(
          'printer resolution: one the template is laid out for (`dpis` in GET /label-templates), default its first, e.g. 300 for zebra-2x1in on a 300 dpi head',
        ),
      build: idCodeRef.optional(),
      serials: serialsInput
        .optional()
        .describe(
          'with build: serials as a list, or ranges like "1-20,25" (the grammar complete and scrap take)',
        ),
      includeScrapped: z
        .boolean()
        .default(false)
        .describe('with build: also label scrapped, cancelled and disposed units (left out by default)'),
      lots: codeList.optional(),
      parts: codeList.optional(),
      locations: codeList.optional(),
      printer: z
        .string()
        .trim()
        .min(1)
        .max(60)
        .optional()
        .describe(
          "print on this printer (its name or id) instead of rendering a PDF; \"default\" for the printer of the build's project or of the lots' location. The template and resolution are then the printer's.",
        ),
      symbol: symbolInput,
    })
    .refine((v) => [v.build, v.lots, v.parts, v.locations].filter((x) => x !== undefined).length === 1, {
      message: 'name exactly one of build, lots, parts or locations',
      path: ['build'],
    })
    .refine((v) => v.serials === undefined || v.build !== undefined, {
      message: 'serials needs build',
      path: ['serials'],
    })
    .refine((v) => !v.includeScrapped || v.build !== undefined, {
      message: 'includeScrapped needs build',
      path: ['includeScrapped'],
    })
    .refine((v) => v.printer === undefined || v.dpi === undefined, {
      message: 'a printer prints at its own resolution: leave dpi out when printing',
      path: ['dpi'],
    })
    .refine((v) => v.symbol === 'url' || v.build !== undefined, {
      message: "symbol 'gs1' needs build: GS1 codes identify devices (a build's units)",
      path: ['symbol'],
    })
    .superRefine((v, ctx) => {
      const name = v.template ?? DEFAULT_TEMPLATE;
      const template = getTemplate(name);
      if (v.dpi !== undefined && !supportsDpi(template, v.dpi))
        ctx.addIssue({
          code: 'custom',
          path: ['dpi'],
          message: `template ${name} is laid out for ${template.dpis.join(' or ')} dpi, not ${v.dpi}`,
        });
    }),
  async run({ repos, actor, services }, input) {
    let source: LabelSource;
    if (input.build) {
      const build = await findOrFail('build', 'build', input.build, (c) => repos.builds.findByCode(c));
      if (!build.trackUnits)
        throw new RuleViolation(`build ${build.code} does not track units; label its lots instead`);
      const ranges = input.serials ? toRanges(resolveSerials(input.serials, build.quantity)) : undefined;
      source = {
        kind: 'build',
        buildId: build.id,
        buildCode: build.code,
        ...(ranges ? { ranges } : {}),
        includeScrapped: input.includeScrapped,
      };
      if (input.symbol === 'gs1') await checkGs1Run(repos, build, source);
    } else if (input.lots) {
      source = {
        kind: 'lots',
        lotIds: await resolveIds(repos, 'lots', input.lots, (c) => repos.lots.findByCode(c), 'lot'),
      };
    } else if (input.parts) {
      source = {
        kind: 'parts',
        partIds: await resolveIds(repos, 'parts', input.parts, (c) => repos.parts.findByCode(c), 'part'),
      };
    } else {
      source = {
        kind: 'locations',
        locationIds: await resolveIds(
          repos,
          'locations',
          input.locations!,
          (c) => repos.locations.findByCode(c),
          'location',
        ),
      };
    }
    const printer = input.printer ? await printerFor(repos, input.printer, source) : null;
    if (printer) {
      if (!printer.enabled) throw new RuleViolation(`printer ${printer.name} is disabled`);
      if (input.template !== undefined && input.template !== printer.template)
        throw ValidationError.field(
          'template',
          `printer ${printer.name} holds ${printer.template} labels, not ${input.template}: leave template out, or choose another printer`,
        );
    }
    const total = await repos.labels.count(source);
    if (total === 0)
      throw new RuleViolation(
        source.kind === 'build'
          ? `there is nothing to label: build ${source.buildCode} has no units${source.ranges ? ' in those serials' : ''}${source.includeScrapped ? '' : ' that are not scrapped or cancelled (includeScrapped: true labels those too)'}`
          : 'there is nothing to label',
      );
    if (printer) {
      const run = await repos.labels.insert({
        template: printer.template,
        dpi: printer.dpi,
        source,
        total,
        requestedBy: actor.name,
        publicUrl: services.publicUrl ?? null,
        printerId: printer.id,
        symbol: input.symbol,
      });
      await enqueuePrint(repos, run);
      return run;
    }
    const template = input.template ?? DEFAULT_TEMPLATE;
    const run = await repos.labels.insert({
      template,
      dpi: input.dpi ?? defaultDpi(getTemplate(template)),
      source,
      total,
      requestedBy: actor.name,
      publicUrl: services.publicUrl ?? null,
      symbol: input.symbol,
    });
    await repos.jobs.enqueue(jobRequest('labels.render', { runId: run.id }, `labels-${run.id}`));
    return run;
  },
});

export const getLabelRun = defineCommand({
  name: 'getLabelRun',
  summary: 'Show a label run: its progress and, when done, where to download the PDF',
  role: 'viewer',
  mode: 'read',
  input: z.strictObject({ id: numericId }),
  async run({ repos }, { id }) {
    const run = await findRun(repos, id);
    // Where its PDF went in Slack, when it was asked for from Slack.
    return { ...run, slack: await slackDeliveryOf(repos, `labels:${run.id}`) };
  },
});

export const listLabelRuns = defineCommand({
  name: 'listLabelRuns',
  summary: 'List label runs',
  role: 'viewer',
  mode: 'read',
  input: pageQuery,
  run: ({ repos }, page) => repos.labels.list(page),
});

export const downloadLabels = defineCommand({
  name: 'downloadLabels',
  summary: "Download a label run's PDF",
  role: 'viewer',
  mode: 'read',
  input: z.strictObject({ id: numericId }),
  async run({ repos }, { id }) {
    const run = await findRun(repos, id);
    const file = run.fileKey ? await repos.files.open(run.fileKey) : null;
    if (!file || run.status !== 'done')
      throw new NotFoundError(
        'label PDF',
        String(id),
        `the PDF of label run ${id} is not ready (status ${run.status})`,
      );
    return { ...file, filename: `labels-${id}.pdf`, contentType: 'application/pdf' };
  },
});

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

export const retryLabelRun = defineCommand({
  name: 'retryLabelRun',
  summary: 'Render a failed label run again; a failed print run sends the labels it did not print',
  role: 'operator',
  mode: 'write',
  input: z.strictObject({ id: numericId }),
  async run({ repos, actor }, { id }) {
    const run = await findRun(repos, id, true);
    if (run.status !== 'failed')
      throw new RuleViolation(`label run ${id} is ${run.status}: only a failed run is rendered again`);
    // A print run goes on from its records: what was confirmed stays printed, the rest is sent.
    if (run.printerId !== null) await repos.prints.requeueFailed(id);
    await repos.labels.update(id, {
      status: 'queued',
      done: run.printerId === null ? 0 : run.printed,
      error: null,
      finished: false,
    });
    await retryRedrive(repos, `label_run:${id}`, actor);
    return (await repos.labels.findById(id))!;
  },
});
