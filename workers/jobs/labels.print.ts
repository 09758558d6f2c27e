/**
 * labels.print — sends a print run's labels to its printer, each exactly once, for one slice
 * (PRINT_SLICE_MS), then hands the run to a fresh job; a printer fault pauses the run (the printer
 * watch resumes it). See src/commands/printing/engine.ts.
 */
import { z } from 'zod';
import { printLabelRunSlice, settleLabelPrint } from '../../src/commands/printers.ts';
import { PRINTER_DRIVERS } from '../../src/printers/index.ts';
import { defineJob, rowId } from '../define.ts';

/** How long a job waits before trying again when another job holds the run. */
const BUSY_RETRY_MS = 1_000;

export default defineJob({
  name: 'labels.print',
  queue: 'labels',
  description:
    "Send a print run's labels to its printer in batches, each confirmed by the printer; pause on a printer fault",
  data: z.object({ runId: rowId }),
  async process({ runId }, { app, job }) {
    const result = await printLabelRunSlice({ uow: app.uow }, runId, {
      drivers: app.services.printers ?? PRINTER_DRIVERS,
      publicUrl: app.config.publicUrl,
      owner: job.id,
      sliceMs: app.config.printing.sliceMs,
      leaseMs: app.config.printing.leaseMs,
      onProgress: (printed, total) =>
        job.updateProgress({ done: printed, total, percent: Math.floor((printed / total) * 100) }),
    });
    if (result.status === 'busy') return job.delay(BUSY_RETRY_MS);
    const { run } = result;
    if (result.status === 'paused')
      app.log.warn({ runId, reason: run.pausedReason }, `label run ${runId} paused`);
    return { status: result.status, printed: run.printed, labels: run.total };
  },
  async settle({ runId }, reason, { app }) {
    await settleLabelPrint({ uow: app.uow }, runId, reason);
  },
});
