/**
 * How long the notify jobs keep trying when Slack fails (a 5xx, a timeout, a network error, a
 * reply whose build message is not posted yet). A 429 is not part of this: it waits for its
 * Retry-After without using up an attempt.
 *
 * The delay before retry n is 1 s × 2^(n-1), capped at 10 min: 1 s, 2 s, 4 s … 512 s, then every
 * 10 min. Messages and uploads keep trying until 24 h after the first failure (Slack outages can
 * last hours, and a message must not be lost). Quarantine notices stop after 1 h (late, they are
 * noise). Answers through a response_url stop after 25 min:
 * Slack refuses a response_url 30 min after the request, so trying longer cannot help.
 *
 * BullMQ knows only fixed and uncapped exponential backoff; the schedules here are custom backoff
 * types the workers resolve with {@link notifyBackoffStrategy}.
 */
import type { BackoffStrategy } from 'bullmq';

export const NOTIFY_FIRST_DELAY_MS = 1_000;
export const NOTIFY_MAX_DELAY_MS = 10 * 60_000;
/** Messages and uploads: the last retry is this long after the first failure. */
export const NOTIFY_RETRY_WINDOW_MS = 24 * 3600_000;
/**
 * Notices of the moment (a failed required test quarantined a unit): the line needs them while it
 * is still at the unit; one that arrives hours later is noise, so they stop after an hour.
 */
export const NOTIFY_NOTICE_RETRY_WINDOW_MS = 60 * 60_000;
/** response_url answers: Slack accepts them for 30 min; this leaves room for queueing and 429 waits. */
export const NOTIFY_RESPOND_RETRY_WINDOW_MS = 25 * 60_000;

/**
 * Slack commands and buttons handed to the workers (`slack.answer`): someone is waiting for the
 * answer, so a run that keeps failing (the database is away) gives up after 10 min and tells them.
 */
export const SLACK_ANSWER_RETRY_WINDOW_MS = 10 * 60_000;

/**
 * The delays before retries 1, 2, … of a capped exponential schedule whose delays add up to exactly
 * `windowMs` (the last one is shortened to fit).
 */
export function cappedRetryDelays(
  windowMs: number,
  firstMs = NOTIFY_FIRST_DELAY_MS,
  maxMs = NOTIFY_MAX_DELAY_MS,
): number[] {
  const delays: number[] = [];
  let total = 0;
  for (let next = firstMs; total < windowMs; next = Math.min(next * 2, maxMs)) {
    const delay = Math.min(next, windowMs - total);
    delays.push(delay);
    total += delay;
  }
  return delays;
}

/** The custom backoff types of the notify jobs, and their schedules. */
export const NOTIFY_SCHEDULES = {
  'notify-24h': Object.freeze(cappedRetryDelays(NOTIFY_RETRY_WINDOW_MS)),
  'notify-response-url': Object.freeze(cappedRetryDelays(NOTIFY_RESPOND_RETRY_WINDOW_MS)),
  'notify-notice': Object.freeze(cappedRetryDelays(NOTIFY_NOTICE_RETRY_WINDOW_MS)),
  'slack-answer': Object.freeze(cappedRetryDelays(SLACK_ANSWER_RETRY_WINDOW_MS)),
} as const satisfies Record<string, readonly number[]>;

export type NotifyBackoffType = keyof typeof NOTIFY_SCHEDULES;

/** Job options for a notify job on `type`'s schedule: one attempt, then one per delay. */
export function notifyRetryOptions(type: NotifyBackoffType): { attempts: number; backoff: { type: string } } {
  return { attempts: NOTIFY_SCHEDULES[type].length + 1, backoff: { type } };
}

/**
 * BullMQ's custom backoff hook (Worker `settings.backoffStrategy`). BullMQ calls it with the number
 * of attempts made so far, including the one that just failed (1 after the first failure). -1
 * ends the retries; an unknown type is a mistake in the job catalogue, refused the way BullMQ
 * refuses one without a strategy.
 */
export const notifyBackoffStrategy: BackoffStrategy = (attemptsMade, type) => {
  if (!type || !Object.hasOwn(NOTIFY_SCHEDULES, type))
    throw new Error(`unknown backoff strategy ${String(type)}`);
  return NOTIFY_SCHEDULES[type as NotifyBackoffType][attemptsMade - 1] ?? -1;
};
