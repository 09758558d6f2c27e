/** Slack requests and their answers handed to the workers through the outbox. */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { defineCommand } from '../define.ts';
import { jobRequest } from '../jobs.ts';
import { responseUrl, slackMessageOut } from './shared.ts';

/**
 * A Slack command or button the web process acknowledged and hands over (src/slack/requests.ts): the
 * input of {@link queueSlackRequest}, and the data of the `slack.answer` job that runs it
 * (workers/jobs/slack.answer.ts). The web process checks what Slack sent against it before the ack.
 */
export const slackRequest = z.object({
  user: z.string().regex(/^[A-Za-z0-9]{1,40}$/, 'must be a Slack user ID'),
  channel: z.string().regex(/^[A-Za-z0-9]{0,40}$/, 'must be a Slack channel ID'),
  responseUrl: z.url({ protocol: /^https?$/ }).max(2000),
  /** Names the request (src/slack/answer.ts requestKey): its answer is queued once. */
  key: z.string().min(1).max(500),
  request: z.discriminatedUnion('kind', [
    z.object({
      kind: z.literal('command'),
      command: z.enum(['/build', '/lot', '/trace', '/printer', '/buildtrace']),
      text: z.string().max(4_000),
    }),
    z.object({
      kind: z.literal('button'),
      action: z.enum([
        'advance',
        'complete',
        'cancel',
        'retry',
        'labels',
        'print',
        'run-resume',
        'run-cancel',
        'run-printed',
        'run-reprint',
      ]),
      value: z.string().max(200),
    }),
  ]),
});

/** The id of the job answering a Slack request: the same request is run once. */
export const slackAnswerJobId = (key: string) =>
  `slack-answer-${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;

/**
 * Hands a Slack command or button to the workers through the outbox (a `slack.answer` job). The web
 * process uses it when the queue itself is unreachable (src/slack/answer.ts handOff).
 */
export const queueSlackRequest = defineCommand({
  name: 'queueSlackRequest',
  summary: 'Hand a Slack command or button to the workers (Slack transport only)',
  role: 'admin',
  mode: 'write',
  input: slackRequest,
  async run({ repos }, request) {
    await repos.jobs.enqueue(jobRequest('slack.answer', request, slackAnswerJobId(request.key)));
  },
});

/**
 * Queues an answer to a Slack command or button through its response_url (a `notify.respond` job).
 * False when an answer under the same key was queued before (by a committed unit of work): the
 * request was answered already, and this one is not queued.
 */
export const queueSlackResponse = defineCommand({
  name: 'queueSlackResponse',
  summary: 'Queue an answer to a Slack request through its response_url (Slack transport only)',
  role: 'admin',
  mode: 'write',
  input: z.strictObject({
    url: responseUrl,
    /** Names the answer: the same key is only ever answered once. */
    key: z.string().min(1).max(500),
    message: slackMessageOut,
  }),
  async run({ repos }, { url, key, message }) {
    const id = createHash('sha256').update(key).digest('hex').slice(0, 32);
    return repos.jobs.enqueueOnce(jobRequest('notify.respond', { url, message }, `slack-respond-${id}`));
  },
});
