/**
 * lots.generate — writes a tracked build's units in chunks, reporting progress after each. Killed
 * half-way, the job is picked up again (stalled-job recovery) and continues after the last chunk
 * that committed. A build requested from Slack shows the progress in its message: one update per
 * 10% (the bucket names the update job, so a rerun asks for nothing new).
 */
import { generateUnits } from '../src/commands/builds.ts';
import { execute } from '../src/commands/define.ts';
import { queueBuildMessageUpdate } from '../src/commands/slack.ts';
import { SYSTEM_ACTOR } from '../src/domain/roles.ts';
import { progressBucket } from '../src/domain/slack-format.ts';
import { defineProcessor } from './define.ts';

export default defineProcessor('lots.generate', async ({ buildId }, { app, job, log }) => {
  let lastBucket = -1;
  return generateUnits({ uow: app.uow }, buildId, {
    chunkSize: app.config.generationChunkSize,
    onProgress: async (generated, quantity, written) => {
      app.metrics.unitsGenerated.inc(written);
      await job.updateProgress({ generated, quantity, percent: Math.floor((generated / quantity) * 100) });
      const bucket = progressBucket(generated, quantity);
      if (bucket === lastBucket) return;
      lastBucket = bucket;
      // Showing progress is not worth failing the generation for.
      await execute({ uow: app.uow }, queueBuildMessageUpdate, SYSTEM_ACTOR, {
        buildId,
        reason: `progress-${bucket}`,
      }).catch((err: unknown) => log.warn({ err, buildId }, 'could not ask for a Slack progress update'));
    },
  });
});
