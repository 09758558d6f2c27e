/**
 * The Standard Webhooks request (https://www.standardwebhooks.com): the JSON body and the three
 * headers a subscriber verifies with any Standard Webhooks library.
 *
 * - `webhook-id` — the delivery's id; the same on every attempt, so receivers can drop duplicates.
 * - `webhook-timestamp` — Unix seconds of *this attempt*; receivers reject messages older than a few
 *   minutes (5 in the reference libraries) to stop replays.
 * - `webhook-signature` — `v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>`, one per active
 *   secret, separated by spaces, so a subscriber rotating its secret accepts either.
 *
 * The HMAC is computed with node:crypto rather than the `standardwebhooks` package's pure-JS
 * SHA-256: the bytes are identical (the unit tests compare them with `Webhook#sign` and verify with
 * `Webhook#verify`) and it is several times faster per delivery.
 */
import { createHmac } from 'node:crypto';
import { parseWebhookSecret } from '../domain/webhooks.ts';

/** The JSON body of every webhook. */
export interface WebhookPayload {
  /** The event type, e.g. `build.completed`. */
  type: string;
  /** When the event happened (not when it is delivered). */
  timestamp: Date;
  /** The event's data, as documented per event type. */
  data: Record<string, unknown>;
}

/** The headers that make a request a verifiable Standard Webhooks message. */
export interface WebhookSignatureHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** What is signed: the delivery's id, the attempt's time, and the exact body bytes sent. */
export interface SignInput {
  id: string;
  timestamp: Date;
  body: string;
  /** Active secrets (`whsec_…`), newest first; at least one. */
  secrets: readonly string[];
}

/** `{"type": …, "timestamp": ISO 8601, "data": {…}}` — the body, serialized once and signed as is. */
export function webhookBody(payload: WebhookPayload): string {
  return JSON.stringify({
    type: payload.type,
    timestamp: payload.timestamp.toISOString(),
    data: payload.data,
  });
}

// Header values may not contain spaces (the signature header is space-separated), control
// characters or non-ASCII; ids like `msg_2N…` or `dlv_123` are all visible ASCII.
const WEBHOOK_ID = /^[\x21-\x7e]{1,255}$/;

/** Key bytes of a secret; secrets come from stored endpoints, so a bad one is a programming error. */
function keyOf(secret: string, index: number): Buffer {
  const parsed = parseWebhookSecret(secret);
  // The message names the position, never the secret itself.
  if (!parsed.ok) throw new TypeError(`webhook secret #${index + 1} is invalid: ${parsed.reason}`);
  return parsed.key;
}

/** One `v1,<base64>` signature of `<id>.<unix seconds>.<body>` with one secret. */
export function signatureFor(id: string, timestamp: Date, body: string, secret: string): string {
  return `v1,${hmac(keyOf(secret, 0), `${id}.${unixSeconds(timestamp)}.`, body)}`;
}

/**
 * The three Standard Webhooks headers for one attempt. Throws a TypeError when the id, the
 * timestamp or a secret is malformed, or there is no secret: an unsigned webhook must never go out.
 */
export function signatureHeaders(input: SignInput): WebhookSignatureHeaders {
  if (!WEBHOOK_ID.test(input.id)) throw new TypeError('webhook id must be 1–255 visible ASCII characters');
  if (Number.isNaN(input.timestamp.getTime())) throw new TypeError('webhook timestamp is not a valid date');
  if (input.secrets.length === 0) throw new TypeError('a webhook needs at least one secret');
  const seconds = unixSeconds(input.timestamp);
  const prefix = `${input.id}.${seconds}.`;
  const signatures = input.secrets.map((secret, i) => `v1,${hmac(keyOf(secret, i), prefix, input.body)}`);
  return {
    'webhook-id': input.id,
    'webhook-timestamp': String(seconds),
    'webhook-signature': signatures.join(' '),
  };
}

function unixSeconds(timestamp: Date): number {
  return Math.floor(timestamp.getTime() / 1000);
}

function hmac(key: Buffer, prefix: string, body: string): string {
  return createHmac('sha256', key).update(prefix, 'utf8').update(body, 'utf8').digest('base64');
}
