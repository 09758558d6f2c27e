/** labels.render — renders a label run into one PDF, reporting progress; a rerun renders it again. */
import { z } from 'zod';
import { renderLabelRun, settleLabelRun } from '../../src/commands/labels.ts';
import { publicUrlWarning } from '../../src/domain/labels.ts';
import { storedLabelRenderer } from '../../src/labels/stored.ts';
import { defineJob, rowId } from '../define.ts';

export default defineJob({
  name: 'labels.render',
  queue: 'labels',
  description: 'Render a label run into one PDF with progress, store it, announce labels.ready',
  data: z.object({ runId: rowId }),
  async process({ runId }, { app, job }) {
    const run = await renderLabelRun({ uow: app.uow }, runId, {
      renderer: storedLabelRenderer(app.files),
      publicUrl: app.config.publicUrl,
      onProgress: (done, total) =>
        job.updateProgress({ done, total, percent: Math.floor((done / total) * 100) }),
    });
    if (run.status === 'done') app.metrics.labelsRendered.inc({ template: run.template }, run.total);
    const publicUrl = run.publicUrl ?? app.config.publicUrl;
    const warning = publicUrlWarning(publicUrl);
    if (warning) app.log.warn({ runId, publicUrl }, `label run ${runId}: ${warning}`);
    return { status: run.status, labels: run.total, pages: run.pages };
  },
  async settle({ runId }, reason, { app }) {
    await settleLabelRun({ uow: app.uow }, runId, reason);
  },
});
