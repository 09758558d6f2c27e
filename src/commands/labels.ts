/**
 * Labels: a request names what to print (a build's units or a serial range of them, or lists of lots,
 * parts or locations) and a template; a worker renders one PDF with progress, stores it, and
 * announces `labels.ready` (`labels/render.ts`); with a printer, the labels go to it instead, each
 * exactly once (`printing/`).
 */
import { z } from 'zod';

export type { LabelRenderer } from '../domain/labels.ts';
export { labelRunDpi, renderLabelRun, settleLabelRun } from './labels/render.ts';
import { NotFoundError, RuleViolation, ValidationError } from '../domain/errors.ts';
import { TEMPLATE_NAMES, defaultDpi, getTemplate, supportsDpi } from '../domain/label-templates.ts';
import { defineCommand } from './define.ts';
import { jobRequest } from './jobs.ts';
import { findOrFail, normalizeCode } from './lookup.ts';
import type { LabelSource, Repositories } from './ports.ts';
import { idCodeRef, pageQuery, numericId } from './validation.ts';
import { retryRedrive } from './work.ts';
import { toRanges } from '../domain/builds.ts';
import { resolveSerials, serialsInput } from './builds/shared.ts';
import { slackDeliveryOf } from './slack-delivery.ts';
import { printerFor } from './printing/printers.ts';
import { enqueuePrint } from './printing/runs.ts';
import { checkGs1Run, symbolInput } from './label-gs1.ts';

const codeList = z.array(idCodeRef).min(1).max(10_000);
/** The stock a label run renders on when neither the request nor a printer says. */
const DEFAULT_TEMPLATE = 'brother-62x29';

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
