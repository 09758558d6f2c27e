/** notify.message — posts a build's Slack message (once) or updates it from current state; posts a thread reply once. */
import { deliverMessage } from '../src/slack/deliver.ts';
import { defineProcessor } from './define.ts';
import { deliveryDeps, leaseOwner, settle } from './slack-delivery.ts';

export default defineProcessor('notify.message', async ({ messageId }, { app, job, log }) =>
  settle(job, log, await deliverMessage(deliveryDeps(app, log), messageId, leaseOwner(job))),
);
