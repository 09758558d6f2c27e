/** notify.message — posts a build's Slack message (once) or updates it from current state; posts a thread reply once. */
import { z } from 'zod';
import { notifyRetryOptions } from '../../src/queue/backoff.ts';
import { deliverMessage } from '../../src/slack/deliver.ts';
import { defineJob, rowId } from '../define.ts';
import { deliveryDeps, leaseOwner, settle } from '../slack-delivery.ts';

export default defineJob({
  name: 'notify.message',
  queue: 'notify',
  description:
    "Post a Slack message (a build's message, a thread reply) once, or update it from current state",
  data: z.object({ messageId: rowId }),
  // Slack: a 429 waits for its Retry-After (without using up an attempt), a 5xx or a network
  // failure retries on a capped schedule (src/queue/backoff.ts) — for 24 h, since Slack
  // outages can last hours; a refusal (channel_not_found, invalid_auth …) fails for good.
  options: notifyRetryOptions('notify-24h'),
  process: async ({ messageId }, { app, job, log }) =>
    settle(job, log, await deliverMessage(deliveryDeps(app, log), messageId, leaseOwner(job))),
});
