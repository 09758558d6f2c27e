/**
 * The Slack Web API client the notify jobs use. The job is the retry loop, so the client never
 * retries or waits by itself: a 429 comes back at once with its Retry-After (rejectRateLimitedCalls),
 * and every other failure at once too (retries: 0), each classified in deliver.ts.
 */
// The Web API package itself, not Bolt's re-export of it: a worker only posts, and Bolt (its HTTP
// receivers, OAuth, Socket Mode) is ~40 MB of memory it would carry for nothing.
import { WebClient } from '@slack/web-api';
import type { Config } from '../config/index.ts';
import type { Logger } from '../logger.ts';
import { slackLogger } from './logger.ts';

export type SlackWebClient = WebClient;

/** Time for one Web API call; the message's lease (60 s) outlasts it comfortably. */
export const SLACK_CALL_TIMEOUT_MS = 10_000;

const clients = new WeakMap<object, SlackWebClient>();

/** One client per configuration (connections are kept alive between jobs). */
export function slackWebClient(config: Readonly<Config>, log: Logger): SlackWebClient {
  let client = clients.get(config);
  if (!client) {
    client = new WebClient(config.slack.botToken, {
      ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      timeout: SLACK_CALL_TIMEOUT_MS,
      logger: slackLogger(log.child({ module: 'slack-web-api' })),
    });
    clients.set(config, client);
  }
  return client;
}
