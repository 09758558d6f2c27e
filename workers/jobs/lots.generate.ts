/**
 * lots.generate — writes a tracked build's units in chunks, reporting progress after each. Killed
 * half-way, the job is picked up again (stalled-job recovery, or a redrive by the reconciler) and
 * continues after the last chunk that committed; given up on, the build is blocked with the reason. A build requested from Slack shows the progress in its message: one update per
 * 10% (the bucket names the update job, so a rerun asks for nothing new).
 */
import { z } from 'zod';
import { generateUnits, settleGeneration } from '../../src/commands/builds.ts';
import { execute } from '../../src/commands/define.ts';
import { queueBuildMessageUpdate } from '../../src/commands/slack.ts';
import { SYSTEM_ACTOR } from '../../src/domain/roles.ts';
import { progressBucket } from '../../src/domain/slack-format.ts';
import { defineJob, rowId } from '../define.ts';

export default defineJob({
  name: 'lots.generate',
  queue: 'lots',
  description: "Generate a tracked build's units in chunks; resumes where it stopped",
  // Jobs queued before unit generation was an operation of its own carry only the build.
  data: z.object({ buildId: rowId, operationId: rowId.optional() }),
  async process({ buildId, operationId }, { app, job, log }) {
    let lastBucket = -1;
    return generateUnits(
      { uow: app.uow },
      { buildId, operationId },
      {
        chunkSize: app.config.generationChunkSize,
        onProgress: async (generated, quantity, written) => {
          app.metrics.unitsGenerated.inc(written);
          // The database holds the progress; the queue's copy is for the dashboard. A job the queue lost
          // (Redis restarted empty) goes on writing units rather than stop here.
          await job
            .updateProgress({ generated, quantity, percent: Math.floor((generated / quantity) * 100) })
            .catch((err: unknown) => log.warn({ err, buildId }, 'could not report progress to the queue'));
          const bucket = progressBucket(generated, quantity);
          if (bucket === lastBucket) return;
          lastBucket = bucket;
          // Showing progress is not worth failing the generation for.
          await execute({ uow: app.uow }, queueBuildMessageUpdate, SYSTEM_ACTOR, {
            buildId,
            reason: `progress-${bucket}`,
          }).catch((err: unknown) => log.warn({ err, buildId }, 'could not ask for a Slack progress update'));
        },
      },
    );
  },
  async settle({ buildId, operationId }, reason, { app }) {
    await settleGeneration({ uow: app.uow }, { buildId, operationId }, reason);
  },
});
