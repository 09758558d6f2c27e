/**
 * slack.answer — runs a Slack command or button the web process acknowledged and handed over, as
 * its user, and queues the answer to its response_url. Idempotent: the work's changes and the
 * answer commit together under the request's key, so a second run (a retry after a commit whose
 * acknowledgement was lost) finds the answer queued and changes nothing. When it finally gives up,
 * the person is told through the response_url that nothing was changed.
 */
import { slackRequest } from '../../src/commands/slack.ts';
import type { AppContext } from '../../src/context.ts';
import type { Logger } from '../../src/logger.ts';
import { notifyRetryOptions } from '../../src/queue/backoff.ts';
import { queueAnswer, gaveUpAnswer } from '../../src/slack/answer.ts';
import { deliverResponse } from '../../src/slack/deliver.ts';
import type { SlackDeps } from '../../src/slack/deps.ts';
import { runSlackRequest } from '../../src/slack/requests.ts';
import { defineJob } from '../define.ts';

const slackDeps = (app: AppContext, log: Logger): SlackDeps => ({
  uow: app.uow,
  services: app.services,
  config: app.config,
  log,
});

export default defineJob({
  name: 'slack.answer',
  queue: 'notify',
  description:
    'Run a Slack command or button the web process acknowledged, as its user, and queue the answer (once)',
  // What the web process hands over; the same schema is the input of the command that hands it over
  // through the outbox (queueSlackRequest), and checks requests before the ack, so it lives there.
  data: slackRequest,
  // Someone is waiting: a run that keeps failing gives up after 10 min and tells them.
  options: notifyRetryOptions('slack-answer'),
  process: async (data, { app, log }) => runSlackRequest(slackDeps(app, log), data),
  async settle(data, reason, { app, log }) {
    log.error({ reason, user: data.user }, 'gave up on a Slack request');
    const origin = { user: data.user, responseUrl: data.responseUrl, key: data.key };
    try {
      // The same key: when an answer went out after all, this one is not queued.
      await queueAnswer(slackDeps(app, log), origin, gaveUpAnswer());
    } catch (err) {
      // The database is what failed: tell them straight away, once.
      log.warn({ err }, 'could not queue the give-up answer; posting it to the response_url');
      const outcome = await deliverResponse(data.responseUrl, gaveUpAnswer());
      if (outcome.status !== 'done') log.warn({ outcome }, 'could not tell the person either');
    }
  },
});
