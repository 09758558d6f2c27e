/**
 * Running a Slack request as its user, and answering it. A Slack user acts as `slack:<user id>` with
 * the role stored for them (or SLACK_UNKNOWN_USER_ROLE); answers go out as `notify.respond` jobs
 * through the request's response_url, so a slow or failing Slack never holds up the ack.
 */
import { createHash } from 'node:crypto';
import { execute } from '../commands/define.ts';
import { queueSlackResponse } from '../commands/slack.ts';
import { slackUserRole } from '../commands/slack-users.ts';
import { DomainError } from '../domain/errors.ts';
import { SYSTEM_ACTOR, type Actor } from '../domain/roles.ts';
import type { SlackDeps } from './deps.ts';
import { errorAnswer, notAllowedAnswer } from './presenters/errors.ts';
import type { SlackAnswer } from './presenters/format.ts';

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

/** Queues an answer to the request's response_url. */
export async function queueAnswer(
  deps: SlackDeps,
  origin: RequestOrigin,
  answer: SlackAnswer,
): Promise<void> {
  if (!origin.responseUrl) {
    deps.log.warn({ user: origin.user }, 'a Slack request without response_url cannot be answered');
    return;
  }
  await execute(deps, queueSlackResponse, SYSTEM_ACTOR, {
    url: origin.responseUrl,
    key: origin.key,
    message: answer,
  });
}

/**
 * Runs `work` as the request's user and queues what it answers; a refusal (no role, a role too
 * small, bad input, an unknown object, a broken rule) is answered in a short sentence.
 */
export async function answerAs(
  deps: SlackDeps,
  origin: RequestOrigin,
  work: (actor: Actor) => Promise<SlackAnswer>,
): Promise<void> {
  let answer: SlackAnswer;
  try {
    const actor = await slackActor(deps, origin.user);
    answer = actor ? await work(actor) : notAllowedAnswer(origin.user);
  } catch (error) {
    if (!(error instanceof DomainError))
      deps.log.error({ err: error, user: origin.user }, 'Slack request failed');
    answer = errorAnswer(error, origin.user);
  }
  try {
    await queueAnswer(deps, origin, answer);
  } catch (err) {
    deps.log.error({ err, user: origin.user }, 'could not queue the answer to a Slack request');
  }
}
