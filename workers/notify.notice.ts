/** notify.notice — posts a notice of the moment in a build's thread once, or drops it when over an hour old. */
import { NOTIFY_NOTICE_RETRY_WINDOW_MS } from '../src/queue/backoff.ts';
import { deliverMessage } from '../src/slack/deliver.ts';
import { defineProcessor } from './define.ts';
import { deliveryDeps, leaseOwner, settle } from './slack-delivery.ts';

export default defineProcessor('notify.notice', async ({ messageId }, { app, job, log }) =>
  settle(
    job,
    log,
    await deliverMessage(deliveryDeps(app, log), messageId, leaseOwner(job), {
      maxAgeMs: NOTIFY_NOTICE_RETRY_WINDOW_MS,
    }),
  ),
);
