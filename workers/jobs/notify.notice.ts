/** notify.notice — posts a notice of the moment in a build's thread once, or drops it when over an hour old. */
import { z } from 'zod';
import { NOTIFY_NOTICE_RETRY_WINDOW_MS, notifyRetryOptions } from '../../src/queue/backoff.ts';
import { deliverMessage } from '../../src/slack/deliver.ts';
import { defineJob, rowId } from '../define.ts';
import { deliveryDeps, leaseOwner, settle } from '../slack-delivery.ts';

export default defineJob({
  name: 'notify.notice',
  queue: 'notify',
  description:
    "Post a notice of the moment in a build's thread (a unit quarantined by a failed required test), once, within the hour",
  data: z.object({ messageId: rowId }),
  // A notice hours late is noise: it stops trying after an hour (and is dropped unposted).
  options: notifyRetryOptions('notify-notice'),
  process: async ({ messageId }, { app, job, log }) =>
    settle(
      job,
      log,
      await deliverMessage(deliveryDeps(app, log), messageId, leaseOwner(job), {
        maxAgeMs: NOTIFY_NOTICE_RETRY_WINDOW_MS,
      }),
    ),
});
