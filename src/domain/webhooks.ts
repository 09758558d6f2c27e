/**
 * Webhook rules: the pure half of webhook delivery. The delivery engine (`src/webhooks/`) and the
 * `webhooks` job processor call these; nothing here does I/O.
 *
 * Glossary
 * - **webhook endpoint** — a subscriber URL with its secret(s) and the event-type patterns it
 *   subscribes to.
 * - **delivery** — one event sent to one endpoint; made of one or more **attempts** (at most
 *   {@link WEBHOOK_MAX_ATTEMPTS}), spaced by {@link nextAttemptDelay}.
 * - **outcome** of an attempt — `success` (2xx), `gone` (410: the subscriber asks us to stop),
 *   `retry` (any other status, timeout, connection error) or `refused` (we would not connect: the
 *   address is not public and not on the allow list).
 * - **failing since** — when an endpoint's current unbroken run of failed attempts began; a
 *   success clears it. An endpoint failing for more than {@link ENDPOINT_DISABLE_AFTER_MS} is
 *   disabled.
 * - **webhook secret** — `whsec_` + base64 of 24–64 random bytes (the Standard Webhooks format);
 *   an endpoint may have several during rotation, and every attempt is signed with each.
 * - **allow list** — host names, IP addresses and CIDR blocks that may be delivered to even though
 *   they are not public (a receiver on the same machine or network, in development or on premises).
 */
import { randomBytes } from 'node:crypto';
import { EVENT_TYPES, eventMatches } from './events.ts';

// IP addresses and the allow list (SSRF protection) have a file of their own.
export * from './webhook-addresses.ts';

// ---------------------------------------------------------------------------------------------
// Retry schedule
// ---------------------------------------------------------------------------------------------

/**
 * Delays before attempts 2…8. Front-loaded so a receiver that blipped (deploy, restart) gets the
 * event within seconds or minutes, then stretched so a receiver that is down for a day still gets
 * it without us hammering it: the last attempt comes about 27.6 h after the first.
 */
export const WEBHOOK_RETRY_DELAYS_MS: readonly number[] = Object.freeze([
  5_000, // 5 s
  5 * 60_000, // 5 min
  30 * 60_000, // 30 min
  2 * 3_600_000, // 2 h
  5 * 3_600_000, // 5 h
  10 * 3_600_000, // 10 h
  10 * 3_600_000, // 10 h
]);

/** Attempts per delivery, the first included. Use as BullMQ's `attempts`. */
export const WEBHOOK_MAX_ATTEMPTS = WEBHOOK_RETRY_DELAYS_MS.length + 1;

/** Each delay is spread by ±10 % so deliveries that failed together do not all retry together. */
export const WEBHOOK_RETRY_JITTER = 0.1;

/**
 * How long to wait after attempt `attemptNumber` (1-based: 1 = the first attempt) failed before
 * making the next one, or `null` when that was the last attempt and the delivery is given up.
 *
 * `attemptNumber` is BullMQ's `attemptsMade` as passed to a custom backoff strategy.
 * `random` (values in [0, 1)) is injectable so tests can pin the jitter.
 */
export function nextAttemptDelay(
  attemptNumber: number,
  random: () => number = Math.random,
  delays: readonly number[] = WEBHOOK_RETRY_DELAYS_MS,
): number | null {
  if (!Number.isInteger(attemptNumber) || attemptNumber < 1) {
    throw new RangeError(`attemptNumber must be a positive integer, got ${attemptNumber}`);
  }
  const base = delays[attemptNumber - 1];
  if (base === undefined) return null;
  const spread = (random() * 2 - 1) * WEBHOOK_RETRY_JITTER;
  return Math.round(base * (1 + spread));
}

// ---------------------------------------------------------------------------------------------
// Outcomes and endpoint disabling
// ---------------------------------------------------------------------------------------------

/** What one attempt amounted to; see the glossary at the top of this file. */
export type AttemptOutcome = 'success' | 'retry' | 'gone' | 'refused';

/** What one attempt amounted to, for the delivery log and the retry decision. */
export interface DeliveryAttempt {
  /** True when the subscriber answered 2xx. */
  ok: boolean;
  /** The HTTP status, or null when no response arrived. */
  status: number | null;
  /** Wall time of the attempt, in whole milliseconds. */
  durationMs: number;
  /**
   * The first `maxResponseBytes` of the response body as UTF-8 (an incomplete trailing character
   * is dropped); `''` for an empty body, null when no response arrived.
   */
  responseExcerpt: string | null;
  /**
   * Why the attempt failed or was incomplete, for people reading the log: `timeout after 10000 ms`,
   * `connection refused`, `address 10.0.0.5 is not public`, `redirect (302) to … not followed` …
   * Null for a plain HTTP answer (the status says it all).
   */
  error: string | null;
  outcome: AttemptOutcome;
}

/**
 * The outcome of an attempt that got an HTTP response. Only 2xx counts as received: a 3xx is a
 * failure because redirects are not followed (following one would let a public endpoint point us
 * at an internal address), and 410 Gone is the subscriber's way of saying "stop sending".
 */
export function outcomeOfStatus(status: number): AttemptOutcome {
  if (status >= 200 && status <= 299) return 'success';
  if (status === 410) return 'gone';
  return 'retry';
}

/** An endpoint that has failed without a single success for longer than this is disabled. */
export const ENDPOINT_DISABLE_AFTER_MS = 24 * 3_600_000;

/**
 * Whether an endpoint whose current run of failures began at `failingSince` (null: it is healthy)
 * should be disabled now. Measured in time rather than in attempts so an endpoint receiving one
 * event a week is treated like one receiving thousands an hour.
 */
export function shouldDisableEndpoint(failingSince: Date | null, now: Date): boolean {
  return failingSince !== null && now.getTime() - failingSince.getTime() > ENDPOINT_DISABLE_AFTER_MS;
}

/** Why an endpoint is disabled automatically. */
export type EndpointDisableReason = 'gone' | 'failing';

export interface AttemptDecisionInput {
  outcome: AttemptOutcome;
  /** 1-based number of the attempt that produced `outcome`. */
  attemptNumber: number;
  /** The endpoint's stored "failing since" before this attempt (null: it was healthy). */
  failingSince: Date | null;
  now: Date;
  random?: () => number;
  /** The retry schedule; WEBHOOK_RETRY_DELAYS_MS unless configured otherwise. */
  delays?: readonly number[];
}

export interface AttemptDecision {
  /** The delivery's state after this attempt. */
  delivery: 'succeeded' | 'retrying' | 'failed';
  /** Milliseconds until the next attempt when `delivery` is `retrying`, otherwise null. */
  retryInMs: number | null;
  /** The endpoint's new "failing since", to store. */
  failingSince: Date | null;
  /** Set when the endpoint must be disabled now (its other pending deliveries stop too). */
  disableEndpoint: EndpointDisableReason | null;
}

/**
 * Everything the job processor decides after an attempt, in one place: whether to retry and when,
 * whether the endpoint must be disabled, and the endpoint's new failure clock.
 *
 * `refused` is retried like a connection error: it means the host now resolves to a non-public
 * address, which is most often a DNS change in progress; if it persists, the 24-hour rule disables
 * the endpoint.
 */
export function decideAfterAttempt(input: AttemptDecisionInput): AttemptDecision {
  const { outcome, attemptNumber, now } = input;
  if (outcome === 'success')
    return { delivery: 'succeeded', retryInMs: null, failingSince: null, disableEndpoint: null };
  const failingSince = input.failingSince ?? now;
  if (outcome === 'gone')
    return { delivery: 'failed', retryInMs: null, failingSince, disableEndpoint: 'gone' };
  if (shouldDisableEndpoint(failingSince, now))
    return { delivery: 'failed', retryInMs: null, failingSince, disableEndpoint: 'failing' };
  const retryInMs = nextAttemptDelay(attemptNumber, input.random, input.delays);
  return {
    delivery: retryInMs === null ? 'failed' : 'retrying',
    retryInMs,
    failingSince,
    disableEndpoint: null,
  };
}

// ---------------------------------------------------------------------------------------------
// Event-type subscriptions
// ---------------------------------------------------------------------------------------------

/**
 * Whether a subscription pattern can ever match: `*`, a known event type, or `<prefix>.*` where
 * some known event type starts with `<prefix>.`. Checked when an endpoint is saved so a typo such
 * as `build.complete` is an error rather than an endpoint that silently never receives anything.
 */
export function isValidEventPattern(pattern: string): boolean {
  if (pattern === '*') return true;
  if ((EVENT_TYPES as readonly string[]).includes(pattern)) return true;
  return (
    pattern.endsWith('.*') && pattern.length > 2 && EVENT_TYPES.some((type) => eventMatches(pattern, type))
  );
}

/**
 * How an endpoint is named where its full URL must not go (events, other receivers): scheme, host
 * and port only. A URL's path, query or credentials often carry the receiver's token.
 */
export function endpointOrigin(url: string): string {
  try {
    const origin = new URL(url).origin;
    return origin === 'null' ? 'a URL without an origin' : origin;
  } catch {
    return 'an invalid URL';
  }
}

/** Whether an endpoint subscribed to `patterns` receives events of `type`. */
export function endpointSubscribes(patterns: readonly string[], type: string): boolean {
  return patterns.some((pattern) => eventMatches(pattern, type));
}

// ---------------------------------------------------------------------------------------------
// Secrets
// ---------------------------------------------------------------------------------------------

export const WEBHOOK_SECRET_PREFIX = 'whsec_';
export const WEBHOOK_SECRET_MIN_BYTES = 24;
export const WEBHOOK_SECRET_MAX_BYTES = 64;

// Canonical, padded standard base64 only, so every library that decodes the secret (ours and the
// subscriber's standardwebhooks) derives the same key bytes.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A new secret: `whsec_` + base64 of `byteLength` random bytes (32 by default, as Svix does). */
export function generateWebhookSecret(byteLength = 32): string {
  if (
    !Number.isInteger(byteLength) ||
    byteLength < WEBHOOK_SECRET_MIN_BYTES ||
    byteLength > WEBHOOK_SECRET_MAX_BYTES
  ) {
    throw new RangeError(
      `a webhook secret has ${WEBHOOK_SECRET_MIN_BYTES}–${WEBHOOK_SECRET_MAX_BYTES} bytes, got ${byteLength}`,
    );
  }
  return WEBHOOK_SECRET_PREFIX + randomBytes(byteLength).toString('base64');
}

/**
 * Checks a secret and returns its key bytes. The reason never repeats the secret, so it is safe
 * to show or log.
 */
export function parseWebhookSecret(
  secret: string,
): { ok: true; key: Buffer } | { ok: false; reason: string } {
  if (!secret.startsWith(WEBHOOK_SECRET_PREFIX))
    return { ok: false, reason: `must start with ${WEBHOOK_SECRET_PREFIX}` };
  const encoded = secret.slice(WEBHOOK_SECRET_PREFIX.length);
  if (!BASE64.test(encoded))
    return { ok: false, reason: `must be ${WEBHOOK_SECRET_PREFIX} followed by standard base64` };
  const key = Buffer.from(encoded, 'base64');
  if (key.toString('base64') !== encoded) return { ok: false, reason: 'base64 is not canonical' };
  if (key.length < WEBHOOK_SECRET_MIN_BYTES || key.length > WEBHOOK_SECRET_MAX_BYTES) {
    return {
      ok: false,
      reason: `must encode ${WEBHOOK_SECRET_MIN_BYTES}–${WEBHOOK_SECRET_MAX_BYTES} bytes, has ${key.length}`,
    };
  }
  return { ok: true, key };
}

export function isWebhookSecret(secret: string): boolean {
  return parseWebhookSecret(secret).ok;
}
