/**
 * How listeners end: what Slack sent is checked against what a `slack.answer` job carries, the
 * request is acknowledged, and only then handed to the workers (src/slack/answer.ts handOff) — one
 * queue add, after the response has gone. Nothing else happens in the web process, so an ack never
 * waits behind another request's work. A request whose fields do not fit is answered in its ack (a
 * button, through its response_url); one that could not be handed over, through its response_url.
 */
import type { AckFn, BlockButtonAction, RespondArguments, SlackAction, SlashCommand } from '@slack/bolt';
import { checkRequest, handOff, notTakenAnswer, requestKey, type SlackRequest } from '../answer.ts';
import { deliverResponse } from '../deliver.ts';
import type { SlackDeps } from '../deps.ts';
import type { SlackAnswer } from '../presenters/format.ts';
import type { SlackButton } from '../requests.ts';

async function tell(deps: SlackDeps, url: string | undefined, answer: SlackAnswer): Promise<void> {
  if (!url) return;
  const outcome = await deliverResponse(url, answer);
  if (outcome.status !== 'done') deps.log.warn({ outcome }, 'could not tell the person');
}

async function handOver(deps: SlackDeps, request: SlackRequest): Promise<void> {
  if (!(await handOff(deps, request))) await tell(deps, request.responseUrl, notTakenAnswer());
}

export async function handOverCommand(
  deps: SlackDeps,
  ack: AckFn<string | RespondArguments>,
  name: '/build' | '/lot' | '/trace' | '/printer' | '/buildtrace',
  command: SlashCommand,
): Promise<void> {
  const checked = checkRequest(deps, {
    user: command.user_id,
    channel: command.channel_id,
    responseUrl: command.response_url,
    key: requestKey(command),
    request: { kind: 'command', command: name, text: command.text },
  });
  if (!checked.ok) return ack(checked.answer);
  await ack();
  await handOver(deps, checked.request);
}

export async function handOverButton(
  deps: SlackDeps,
  ack: AckFn<void>,
  action: SlackButton,
  body: SlackAction & { response_url?: string },
  button: BlockButtonAction['actions'][number],
): Promise<void> {
  const checked = checkRequest(deps, {
    user: body.user.id,
    channel: body.channel?.id ?? '',
    responseUrl: body.response_url ?? '',
    key: requestKey(body, action),
    request: { kind: 'button', action, value: button.value ?? '' },
  });
  await ack();
  if (!checked.ok) await tell(deps, body.response_url, checked.answer);
  else await handOver(deps, checked.request);
}
