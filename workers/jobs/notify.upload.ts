/** notify.upload — uploads a label PDF to the Slack channel that asked for it, once. */
import { z } from 'zod';
import { notifyRetryOptions } from '../../src/queue/backoff.ts';
import { deliverUpload } from '../../src/slack/deliver.ts';
import { defineJob, rowId } from '../define.ts';
import { deliveryDeps, leaseOwner, settle } from '../slack-delivery.ts';

export default defineJob({
  name: 'notify.upload',
  queue: 'notify',
  description: 'Upload a label PDF to a Slack channel (getUploadURLExternal, upload, completeUploadExternal)',
  data: z.object({ messageId: rowId }),
  // Retried like notify.message: for 24 h on a capped schedule (src/queue/backoff.ts).
  options: notifyRetryOptions('notify-24h'),
  process: async ({ messageId }, { app, job, log }) =>
    settle(job, log, await deliverUpload(deliveryDeps(app, log), messageId, leaseOwner(job))),
});
