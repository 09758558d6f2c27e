import { z } from 'zod';
import * as labels from '../../commands/labels.ts';
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
import { LabelRunOut, LabelTemplateOut, pageOf } from '../schemas.ts';

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
    download: run.status === 'done' ? `/api/v1/labels/${run.id}/pdf` : null,
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
      'A worker renders the PDF (progress in `done`/`percent`) and emits `labels.ready`; then download it from `download`.',
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
      'Renders a failed label run again (422 for a run that did not fail); `labels.ready` follows as for a new run.',
  }),
  route({
    method: 'get',
    path: '/labels/{id}/pdf',
    tag,
    command: labels.downloadLabels,
    file: { mediaType: 'application/pdf' },
  }),
];
