/**
 * The Slack app: Bolt with buildtrace's listeners, in one of two modes.
 *
 * - HTTP (default): an ExpressReceiver whose router the web process mounts at `/slack` before any
 *   body parser, so Bolt sees the raw body it verifies: Slack posts to `/slack/events`. Every request
 *   must carry a valid `v0` signature made with SLACK_SIGNING_SECRET and a timestamp within five
 *   minutes of now — in either direction — a body of at most 128 KB, and must not have been received
 *   before (request-guard.ts: a captured request cannot be replayed, now or later).
 * - Socket Mode (SLACK_SOCKET_MODE=true, for sites behind a firewall): the web process opens a
 *   WebSocket to Slack with SLACK_APP_TOKEN; nothing is mounted.
 *
 * Listeners need only the bot token: authorization never calls `auth.test` (no request waits for it,
 * and a Slack outage at start-up cannot break every later request). Web API calls made while
 * handling a request (views.open) never retry; everything else Slack-bound is a notify job.
 *
 * Commands and buttons are handed to the workers as `slack.answer` jobs before the ack: this process
 * runs none of their work, so an ack never waits behind another request's.
 */
import { randomUUID } from 'node:crypto';
import { App, ExpressReceiver, HTTPModuleFunctions } from '@slack/bolt';
import { Router } from 'express';
import type { AppContext } from '../context.ts';
import { withRequestId } from '../request-context.ts';
import type { SlackDeps } from './deps.ts';
import { registerListeners } from './listeners/index.ts';
import { slackLogger } from './logger.ts';
import { SLACK_BODY_LIMIT_BYTES, guardSlackRequests } from './request-guard.ts';

export interface SlackService {
  mode: 'http' | 'socket';
  /** HTTP mode: mount at `/slack`, before any body parser. */
  router: Router | undefined;
  /** Socket Mode: connects to Slack. HTTP mode: nothing to do. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** The Slack app for this process, or null when Slack is not configured. */
export function createSlack(
  ctx: Pick<AppContext, 'config' | 'log' | 'uow' | 'services' | 'queues'>,
): SlackService | null {
  const { slack } = ctx.config;
  const botToken = slack.botToken;
  if (!botToken || (!slack.socketMode && !slack.signingSecret)) return null;
  const log = ctx.log.child({ module: 'slack' });
  const logger = slackLogger(log);
  const common = {
    authorize: async () => ({ botToken }),
    logger,
    ignoreSelf: false,
    clientOptions: { ...(slack.apiUrl ? { slackApiUrl: slack.apiUrl } : {}), retryConfig: { retries: 0 } },
  };
  // Listeners only verify, parse, hand the request to the workers and ack (src/slack/requests.ts).
  const deps: SlackDeps = {
    uow: ctx.uow,
    services: ctx.services,
    config: ctx.config,
    log,
    queues: ctx.queues,
  };

  if (slack.socketMode) {
    const app = new App({ ...common, socketMode: true, appToken: slack.appToken });
    // Over HTTP a request has its id from the web app; over the socket each event gets one here, so
    // its log lines and the jobs it hands over carry one id as an HTTP request's do.
    app.use(async ({ next }) => withRequestId(randomUUID(), next));
    registerListeners(app, deps);
    app.error(async (error) => log.error({ err: error }, 'Slack listener failed'));
    return {
      mode: 'socket',
      router: undefined,
      start: async () => {
        await app.start();
      },
      stop: async () => {
        await app.stop();
      },
    };
  }

  const router = Router();
  router.use(
    '/events',
    guardSlackRequests({
      signingSecret: slack.signingSecret!,
      logger,
      claimOnce: (key, ttlMs) => ctx.queues.backend.claimOnce(key, ttlMs),
    }),
  );
  const receiver = new ExpressReceiver({
    signingSecret: slack.signingSecret!,
    router,
    endpoints: '/events',
    logger,
    bodyLimit: SLACK_BODY_LIMIT_BYTES,
    // A signed body Bolt cannot read as anything Slack sends (`payload` of the wrong shape, JSON
    // `null`) fails inside Bolt before any listener runs: the sender's fault, so 400, not 500.
    processEventErrorHandler: async (args) => {
      if (!(args.error instanceof TypeError) || args.response.headersSent)
        return HTTPModuleFunctions.defaultProcessEventErrorHandler(args);
      log.warn({ err: args.error }, 'Slack request refused: a body Bolt cannot process');
      args.response.writeHead(400);
      args.response.end();
      return true;
    },
  });
  const app = new App({ ...common, receiver });
  registerListeners(app, deps);
  app.error(async (error) => log.error({ err: error }, 'Slack listener failed'));
  return { mode: 'http', router, start: async () => {}, stop: async () => {} };
}
