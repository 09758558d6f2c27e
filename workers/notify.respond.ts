/** notify.respond — answers a Slack command or button through its response_url. */
import { deliverResponse } from '../src/slack/deliver.ts';
import { defineProcessor } from './define.ts';
import { settle } from './slack-delivery.ts';

export default defineProcessor('notify.respond', async ({ url, message }, { job, log }) =>
  settle(job, log, await deliverResponse(url, message)),
);
