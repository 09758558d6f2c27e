import { z } from 'zod';
import * as labels from '../../commands/labels.ts';
import * as printing from '../../commands/printers.ts';
import { defineCommand } from '../../commands/define.ts';
import { labelRunWarnings } from '../../domain/labels.ts';
import type { LabelRun } from '../../commands/ports.ts';
import {
  LABEL_TEMPLATES,
  defaultDpi,
  labelsPerPage,
  type TemplateName,
} from '../../domain/label-templates.ts';
import { rangesText } from '../../domain/builds.ts';
import { route } from '../route.ts';
import { LabelRunOut, LabelTemplateOut, PrintRecordOut, pageOf } from '../schemas.ts';

const tag = 'Labels';

/** The public shape of a run: the source by ID codes, progress as a percentage, a download path. */
const present = (run: LabelRun) => {
  const { source } = run;
  const shown =
    source.kind === 'build'
      ? {
          kind: 'build',
          build: source.buildCode,
          ...(source.ranges ? { serials: rangesText(source.ranges) } : {}),
          includeScrapped: source.includeScrapped ?? false,
        }
      : { kind: source.kind, count: run.total };
  return {
    ...run,
    dpi: labels.labelRunDpi(run),
    source: shown,
    percent: Math.floor((run.done / run.total) * 100),
    download: run.status === 'done' && run.printerId === null ? `/api/v1/labels/${run.id}/pdf` : null,
    prints: run.printerId === null ? null : `/api/v1/labels/${run.id}/prints`,
    warnings: labelRunWarnings(run),
  };
};

const listTemplates = defineCommand({
  name: 'listLabelTemplates',
  summary: 'The label templates: stock, 2D code and labels per page',
  role: 'viewer',
  mode: 'read',
  input: z.strictObject({}),
  run: async () =>
    (Object.entries(LABEL_TEMPLATES) as [TemplateName, (typeof LABEL_TEMPLATES)[TemplateName]][]).map(
      ([name, t]) => ({
        name,
        description: t.description,
        symbology: t.code.symbology,
        labelsPerPage: labelsPerPage(t),
        dpi: defaultDpi(t),
        dpis: [...t.dpis],
      }),
    ),
});

export const labelRoutes = [
  route({
    method: 'get',
    path: '/label-templates',
    tag,
    command: listTemplates,
    response: z.array(LabelTemplateOut),
  }),
  route({
    method: 'post',
    path: '/labels',
    tag,
    command: labels.requestLabels,
    status: 202,
    response: LabelRunOut,
    present,
    description:
      'A worker renders the PDF (progress in `done`/`percent`) and emits `labels.ready`; then download it from `download`. With `printer`, a worker sends the labels to that printer instead, each exactly once (`printed`, `GET /labels/{id}/prints`): a printer fault pauses the run (`labels.paused`) and it resumes by itself when the printer is ready; `labels.printed` when every label is confirmed.',
  }),
  route({
    method: 'get',
    path: '/labels',
    tag,
    command: labels.listLabelRuns,
    response: pageOf(LabelRunOut),
    present: (p: { items: LabelRun[]; nextCursor: string | null }) => ({ ...p, items: p.items.map(present) }),
  }),
  route({
    method: 'get',
    path: '/labels/{id}',
    tag,
    command: labels.getLabelRun,
    response: LabelRunOut,
    present,
  }),
  route({
    method: 'post',
    path: '/labels/{id}/retry',
    tag,
    command: labels.retryLabelRun,
    status: 202,
    response: LabelRunOut,
    present,
    description:
      'Renders a failed label run again (422 for a run that did not fail); `labels.ready` follows as for a new run. A failed print run goes on from its records: labels confirmed stay printed, the others are sent (`labels.printed` follows).',
  }),
  route({
    method: 'post',
    path: '/labels/{id}/resume',
    tag,
    command: printing.resumeLabelRun,
    status: 202,
    response: LabelRunOut,
    present,
    description:
      'Resumes a paused print run now (a run paused on a printer fault also resumes by itself when the printer is ready). A run paused with labels in doubt needs `inDoubt`: `printed` if they came out, `reprint` to send them again.',
  }),
  route({
    method: 'post',
    path: '/labels/{id}/cancel',
    tag,
    command: printing.cancelLabelRun,
    response: LabelRunOut,
    present,
    description:
      'Labels not yet printed are not sent; those confirmed stay printed. `labels.cancelled` follows.',
  }),
  route({
    method: 'post',
    path: '/labels/{id}/reprint',
    tag,
    command: printing.reprintLabels,
    status: 202,
    response: LabelRunOut,
    present,
    description:
      'Prints labels of a print run again, as a new run recorded with who asked and why (`reprintOf`, `reason`): a reprint is always asked for, never a silent resend.',
  }),
  route({
    method: 'get',
    path: '/labels/{id}/prints',
    tag,
    command: printing.listLabelPrints,
    response: pageOf(PrintRecordOut),
    description:
      "A print run's per-label records in order: queued → sent → confirmed, or failed when the run ended without it.",
  }),
  route({
    method: 'get',
    path: '/labels/{id}/pdf',
    tag,
    command: labels.downloadLabels,
    file: { mediaType: 'application/pdf' },
  }),
];
