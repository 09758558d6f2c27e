/**
 * lots.generate — writes a tracked build's units in chunks, reporting progress after each. Killed
 * half-way, the job is picked up again (stalled-job recovery) and continues after the last chunk
 * that committed.
 */
import { generateUnits } from '../src/commands/builds.ts';
import { defineProcessor } from './define.ts';

export default defineProcessor('lots.generate', async ({ buildId }, { app, job }) =>
  generateUnits({ uow: app.uow }, buildId, {
    chunkSize: app.config.generationChunkSize,
    onProgress: (generated, quantity) =>
      job.updateProgress({ generated, quantity, percent: Math.floor((generated / quantity) * 100) }),
  }),
);
