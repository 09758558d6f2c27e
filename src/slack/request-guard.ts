/**
 * What every request to `/slack/events` passes before Bolt reads it, in this order:
 *
 * 1. a timestamp within five minutes of now, in either direction (Bolt refuses only stale ones);
 * 2. a body of at most {@link SLACK_BODY_LIMIT_BYTES} (Slack's own payloads are a few kilobytes;
 *    a bigger one is refused with 413 before it is read further);
 * 3. a valid `v0` signature over that body;
 * 4. never seen before: the (timestamp, signature) pair is claimed in a store every web process
 *    shares (Redis `SET NX` with an expiry covering the whole window a timestamp is accepted in), so
 *    the same signed bytes sent again — to this process or another — are refused;
 * 5. shaped like something Slack sends (else 400 at once; see {@link slackShaped}).
 *
 * The body read here is handed to Bolt as `rawBody`, so it is read once.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Logger as SlackLogger } from '@slack/bolt';
import type { Request, RequestHandler } from 'express';
import { localClaims } from '../queue/backend.ts';
import { SLACK_TIMESTAMP_TOLERANCE_SECONDS, requestTimestampProblem } from '../domain/slack-format.ts';

/** The largest Slack request body accepted. */
export const SLACK_BODY_LIMIT_BYTES = 128 * 1024;
/** How long a seen request is remembered: its timestamp is accepted up to 5 min either side of now. */
export const SLACK_REPLAY_WINDOW_MS = (2 * SLACK_TIMESTAMP_TOLERANCE_SECONDS + 60) * 1000;

export interface RequestGuardOptions {
  signingSecret: string;
  logger: SlackLogger;
  /** The shared store: true the first time a key is claimed (see QueueBackend.claimOnce). */
  claimOnce(key: string, ttlMs: number): Promise<boolean>;
}

class TooLarge extends Error {}

/**
 * Whether a signed body has a shape Slack sends: a slash command or `ssl_check` (form), an
 * interaction (`payload=` JSON object with a `type`), or an Events API JSON object with a `type`.
 * Anything else is answered 400 at once, instead of being held until Bolt gives up on it (3 s).
 */
export function slackShaped(body: string, contentType: string | undefined): boolean {
  try {
    if ((contentType ?? '').startsWith('application/x-www-form-urlencoded')) {
      const form = new URLSearchParams(body);
      const payload = form.get('payload');
      if (payload !== null) {
        const parsed: unknown = JSON.parse(payload);
        return isTyped(parsed);
      }
      return form.get('command') !== null || form.get('ssl_check') !== null;
    }
    return isTyped(JSON.parse(body));
  } catch {
    return false;
  }
}

const isTyped = (v: unknown): boolean =>
  typeof v === 'object' &&
  v !== null &&
  !Array.isArray(v) &&
  typeof (v as { type?: unknown }).type === 'string';

async function readBody(req: Request, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new TooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function signatureValid(secret: string, timestamp: string, body: Buffer, signature: string): boolean {
  const expected = Buffer.from(
    `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:`).update(body).digest('hex')}`,
  );
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function guardSlackRequests(options: RequestGuardOptions): RequestHandler {
  const { logger } = options;
  // Used only while the shared store is unreachable: replays to this process are still refused.
  const fallback = localClaims();
  let warnedAt = 0;
  const refuse = (res: Parameters<RequestHandler>[1], status: number, why: string) => {
    logger.warn(`Slack request refused: ${why}`);
    res.status(status).send();
  };
  return async (req, res, next) => {
    const timestamp = req.header('x-slack-request-timestamp');
    const problem = requestTimestampProblem(timestamp, Date.now());
    if (problem) return refuse(res, 401, `${problem} x-slack-request-timestamp`);
    const declared = Number(req.header('content-length') ?? 0);
    if (declared > SLACK_BODY_LIMIT_BYTES) {
      res.set('connection', 'close');
      return refuse(res, 413, `a body of ${declared} bytes (at most ${SLACK_BODY_LIMIT_BYTES})`);
    }
    let body: Buffer;
    try {
      body = await readBody(req, SLACK_BODY_LIMIT_BYTES);
    } catch (err) {
      if (!(err instanceof TooLarge)) return refuse(res, 400, 'the body could not be read');
      res.set('connection', 'close');
      return refuse(res, 413, `a body over ${SLACK_BODY_LIMIT_BYTES} bytes`);
    }
    const signature = req.header('x-slack-signature') ?? '';
    if (!signatureValid(options.signingSecret, timestamp!, body, signature))
      return refuse(res, 401, 'bad or missing x-slack-signature');
    const key = `slack-seen:${timestamp}:${signature.slice(3)}`;
    let first: boolean;
    try {
      first = await options.claimOnce(key, SLACK_REPLAY_WINDOW_MS);
    } catch (err) {
      // Once a minute, not once a request, while the outage lasts.
      if (Date.now() - warnedAt > 60_000) {
        warnedAt = Date.now();
        logger.warn(
          `the shared store of seen Slack requests is unreachable (${(err as Error).message}); checking replays in this process only`,
        );
      }
      first = fallback.claim(key, SLACK_REPLAY_WINDOW_MS);
    }
    if (!first) return refuse(res, 401, 'a replay of a request already received');
    if (!slackShaped(body.toString('utf8'), req.header('content-type')))
      return refuse(res, 400, 'a signed body that is not a Slack command, interaction or event');
    (req as Request & { rawBody?: Buffer }).rawBody = body;
    next();
  };
}
