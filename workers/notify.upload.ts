/** notify.upload — uploads a label PDF to the Slack channel that asked for it, once. */
import { deliverUpload } from '../src/slack/deliver.ts';
import { defineProcessor } from './define.ts';
import { deliveryDeps, leaseOwner, settle } from './slack-delivery.ts';

export default defineProcessor('notify.upload', async ({ messageId }, { app, job, log }) =>
  settle(job, log, await deliverUpload(deliveryDeps(app, log), messageId, leaseOwner(job))),
);
