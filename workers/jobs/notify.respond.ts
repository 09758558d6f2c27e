/** notify.respond — answers a Slack command or button through its response_url. */
import { z } from 'zod';
import { notifyRetryOptions } from '../../src/queue/backoff.ts';
import { deliverResponse } from '../../src/slack/deliver.ts';
import { defineJob } from '../define.ts';
import { settle } from '../slack-delivery.ts';

export default defineJob({
  name: 'notify.respond',
  queue: 'notify',
  description: 'Answer a Slack command or button through its response_url',
  data: z.object({
    url: z.url({ protocol: /^https?$/ }).max(2000),
    message: z.object({
      text: z.string().max(40_000),
      blocks: z.array(z.record(z.string(), z.unknown())).max(50).optional(),
      response_type: z.enum(['ephemeral', 'in_channel']).optional(),
      replace_original: z.boolean().optional(),
    }),
  }),
  // A response_url expires 30 min after the request: retrying for a day could not help.
  options: notifyRetryOptions('notify-response-url'),
  process: async ({ url, message }, { job, log }) => settle(job, log, await deliverResponse(url, message)),
});
