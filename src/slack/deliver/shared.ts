/**
 * What the notify jobs share: the outcome a delivery reports, how a Slack error is classified, and
 * the lease a job holds while it talks to Slack about a message.
 */
import { execute, type CommandDeps } from '../../commands/define.ts';
import type { FileStore, SlackMessage } from '../../commands/ports.ts';
import { recordSlackDeliveryFailure, releaseSlackMessage } from '../../commands/slack.ts';
import { DomainError } from '../../domain/errors.ts';
import { SYSTEM_ACTOR } from '../../domain/roles.ts';
import type { Logger } from '../../logger.ts';
import { deliveryFailedAnswer, type Undelivered } from '../presenters/delivery.ts';
import type { SlackWebClient } from '../web-client.ts';

export type DeliveryOutcome =
  | { status: 'done'; detail: string }
  | { status: 'retry'; afterMs?: number; error: string }
  | { status: 'failed'; error: string };

export interface DeliveryDeps extends CommandDeps {
  client: SlackWebClient;
  files: FileStore;
  publicUrl: string;
  log: Logger;
}

/** How long one job may talk to Slack about a message before another may take over. */
export const LEASE_MS = 60_000;
/** A job that finds another one busy with the message tries again after this long. */
export const BUSY_RETRY_MS = 750;
/** Metadata event type that marks buildtrace's messages. */
export const MESSAGE_METADATA_TYPE = 'buildtrace_message';

/** Slack answers that say "try again later" without having done anything. */
const TRANSIENT_PLATFORM_ERRORS = new Set([
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'ratelimited',
]);

interface Failure {
  outcome: DeliveryOutcome;
  /** Slack's error code (`not_in_channel` …), when Slack answered with one. */
  code?: string;
  /** Slack may have done it although we saw an error (5xx, timeout, connection lost). */
  uncertain: boolean;
}

/** Classifies an error of the Slack Web API client. */
export function classifySlackError(error: unknown): Failure {
  // Our own refusal (the build or label run is gone): nothing was sent, and retrying cannot help.
  if (error instanceof DomainError)
    return { outcome: { status: 'failed', error: error.message }, uncertain: false };
  const e = error as {
    code?: string;
    retryAfter?: number;
    statusCode?: number;
    data?: { error?: string };
    message?: string;
  };
  const message = e?.message ?? String(error);
  switch (e?.code) {
    case 'slack_webapi_rate_limited_error':
      return {
        outcome: { status: 'retry', afterMs: Math.max(1, e.retryAfter ?? 1) * 1000, error: message },
        uncertain: false,
      };
    case 'slack_webapi_http_error':
      return (e.statusCode ?? 500) >= 500
        ? { outcome: { status: 'retry', error: message }, uncertain: true }
        : { outcome: { status: 'failed', error: message }, uncertain: false };
    case 'slack_webapi_platform_error':
      return TRANSIENT_PLATFORM_ERRORS.has(e.data?.error ?? '')
        ? { outcome: { status: 'retry', error: message }, uncertain: false }
        : {
            outcome: { status: 'failed', error: message },
            uncertain: false,
            ...(e.data?.error ? { code: e.data.error } : {}),
          };
    default:
      // Network failures and timeouts: the request may have reached Slack.
      return { outcome: { status: 'retry', error: message }, uncertain: true };
  }
}

/**
 * Slack refused a build's message or a label PDF for good: recorded on the row (the API shows it on
 * the build or label run) and told to the person who asked, through their request's response_url.
 */
export async function reportRefusal(
  deps: DeliveryDeps,
  message: SlackMessage,
  code: string,
  what: Undelivered,
) {
  try {
    await execute(deps, recordSlackDeliveryFailure, SYSTEM_ACTOR, {
      id: message.id,
      error: code.slice(0, 200),
      answer: deliveryFailedAnswer(what, code),
    });
  } catch (err) {
    deps.log.error({ err, subject: message.subject }, 'could not record a refused Slack delivery');
  }
  deps.log.warn(
    { subject: message.subject, channel: message.channel, error: code },
    'Slack refused a delivery',
  );
}

/** Records what a job did with a message and gives its lease back (unless kept). */
export async function release(
  deps: DeliveryDeps,
  message: SlackMessage,
  owner: string,
  patch: {
    ts?: string;
    fileId?: string;
    contentHash?: string;
    posted?: boolean;
    updated?: boolean;
    certain?: boolean;
    keepLease?: boolean;
  },
) {
  await execute(deps, releaseSlackMessage, SYSTEM_ACTOR, { id: message.id, owner, ...patch });
}
