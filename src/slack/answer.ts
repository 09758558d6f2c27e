/**
 * Running a Slack request as its user, and answering it. The web process hands commands and buttons
 * over ({@link handOff}) and acks; a worker runs them ({@link answerOnce}). A Slack user acts as
 * `slack:<user id>` with the role stored for them (or SLACK_UNKNOWN_USER_ROLE); answers go out as
 * `notify.respond` jobs through the request's response_url, so a slow or failing Slack never holds
 * up anything.
 */
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { execute } from '../commands/define.ts';
import { queueSlackRequest, queueSlackResponse, slackAnswerJobId, slackRequest } from '../commands/slack.ts';
import { parseWith } from '../commands/validation.ts';
import { withTimeout } from '../timeout.ts';
import { slackUserRole } from '../commands/slack-users.ts';
import { DomainError } from '../domain/errors.ts';
import { SYSTEM_ACTOR, type Actor } from '../domain/roles.ts';
import type { SlackDeps } from './deps.ts';
import { errorAnswer, notAllowedAnswer } from './presenters/errors.ts';
import { ephemeral, type SlackAnswer } from './presenters/format.ts';

/** Where a request came from: who sent it, where to answer, and a key naming the answer. */
export interface RequestOrigin {
  user: string;
  responseUrl: string | undefined;
  /** Names the request itself ({@link requestKey}): the same request is never answered twice. */
  key: string;
}

/**
 * A key naming a request by everything Slack sent in it (command, text, user, channel, trigger_id,
 * response_url, action…), not by its trigger_id alone: two different requests that happen to carry
 * the same trigger_id are answered each, and the same request delivered twice is answered once.
 */
export function requestKey(payload: unknown, what = 'answer'): string {
  return `${what}:${createHash('sha256').update(JSON.stringify(payload)).digest('hex')}`;
}

/** The actor a Slack user acts as, or null when unknown users have no role. */
export async function slackActor(deps: SlackDeps, user: string): Promise<Actor | null> {
  const stored = await execute(deps, slackUserRole, SYSTEM_ACTOR, { user });
  const role = stored ?? deps.config.slack.unknownUserRole;
  return role === 'none' ? null : { name: `slack:${user.toUpperCase()}`, role };
}

/**
 * Queues an answer to the request's response_url; false when an answer under the same key was
 * queued before (the request was answered already).
 */
export async function queueAnswer(
  deps: SlackDeps,
  origin: RequestOrigin,
  answer: SlackAnswer,
): Promise<boolean> {
  if (!origin.responseUrl) {
    deps.log.warn({ user: origin.user }, 'a Slack request without response_url cannot be answered');
    return true;
  }
  return execute(deps, queueSlackResponse, SYSTEM_ACTOR, {
    url: origin.responseUrl,
    key: origin.key,
    message: answer,
  });
}

/** An earlier run of the same request committed its work and answer: this run is rolled back. */
class AlreadyAnswered extends Error {}

export type AnswerOutcome = 'answered' | 'refused' | 'already answered';

/**
 * Runs `work` as the request's user and queues its answer, once: the work's changes and the answer's
 * job commit in one transaction, and the answer's job id is named by the request's key, so a run
 * that finds the answer already queued (an earlier run of the same request committed) rolls back
 * and changes nothing. A refusal (no role, a role too small, bad input, an unknown object, a broken
 * rule) changes nothing and is answered in a short sentence; anything else (the database is away)
 * is thrown, for the job to retry.
 */
export async function answerOnce(
  deps: SlackDeps,
  origin: RequestOrigin,
  work: (actor: Actor, deps: SlackDeps) => Promise<SlackAnswer>,
): Promise<AnswerOutcome> {
  try {
    return await deps.uow.transaction(async (repos) => {
      // Every command the work runs joins this transaction.
      const joined: SlackDeps = { ...deps, uow: { transaction: (w) => w(repos), read: (w) => w(repos) } };
      const actor = await slackActor(joined, origin.user);
      const answer = actor ? await work(actor, joined) : notAllowedAnswer(origin.user);
      if (!(await queueAnswer(joined, origin, answer))) throw new AlreadyAnswered();
      return 'answered' as const;
    });
  } catch (error) {
    if (error instanceof AlreadyAnswered) return 'already answered';
    if (!(error instanceof DomainError)) throw error;
    return (await queueAnswer(deps, origin, errorAnswer(error, origin.user)))
      ? 'refused'
      : 'already answered';
  }
}

/** What a person is told when the workers gave up on their request. */
export function gaveUpAnswer(): SlackAnswer {
  return ephemeral({
    text: ':boom: buildtrace could not run that just now (it has been logged) and nothing was changed. Try again in a moment.',
  });
}

/** What a person is told when their request could not even be handed over. */
export function notTakenAnswer(): SlackAnswer {
  return ephemeral({
    text: ':boom: buildtrace could not take that request just now and nothing was done. Try again in a moment.',
  });
}

/** How long a hand-over waits for the queue before it uses the outbox. */
const HAND_OFF_TIMEOUT_MS = 1_000;
/** After the queue failed, requests go through the outbox for this long before the queue is tried again. */
const QUEUE_RETRY_AFTER_MS = 10_000;
const queueDownUntil = new WeakMap<object, number>();

export type SlackRequest = z.output<typeof slackRequest>;

/**
 * Checks what Slack sent against what a `slack.answer` job carries (synchronous, microseconds: it
 * runs before the ack). When it does not fit, the answer to give in the ack instead.
 */
export function checkRequest(
  deps: SlackDeps,
  request: z.input<typeof slackRequest>,
): { ok: true; request: SlackRequest } | { ok: false; answer: SlackAnswer } {
  try {
    return { ok: true, request: parseWith(slackRequest, request, 'request') };
  } catch (error) {
    deps.log.warn({ err: error, user: request.user }, 'Slack request refused: fields no job can carry');
    return { ok: false, answer: errorAnswer(error, request.user) };
  }
}

/**
 * Hands a checked request to the workers (a `slack.answer` job named by its key, so the same request
 * is run once): straight to the queue, or — while the queue is unreachable — through the outbox,
 * which the relay hands over later. False when neither took it. Runs after the ack.
 */
export async function handOff(deps: SlackDeps, request: SlackRequest): Promise<boolean> {
  const jobId = slackAnswerJobId(request.key);
  const queues = deps.queues;
  if (queues && (queueDownUntil.get(queues) ?? 0) <= Date.now()) {
    try {
      await withTimeout(
        queues.addBulk([{ name: 'slack.answer', data: request, jobId }]),
        HAND_OFF_TIMEOUT_MS,
        `the queue did not take the job within ${HAND_OFF_TIMEOUT_MS} ms`,
      );
      return true;
    } catch (err) {
      // A late add and the outbox's hand-over carry the same job id: the request still runs once.
      queueDownUntil.set(queues, Date.now() + QUEUE_RETRY_AFTER_MS);
      deps.log.warn({ err }, 'the queue is unreachable: handing Slack requests over through the outbox');
    }
  }
  try {
    await execute(deps, queueSlackRequest, SYSTEM_ACTOR, request);
    return true;
  } catch (err) {
    deps.log.error({ err, user: request.user }, 'could not hand a Slack request over');
    return false;
  }
}
