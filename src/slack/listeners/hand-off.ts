/**
 * How listeners end: the request is handed to the workers (src/slack/answer.ts handOff), then
 * acknowledged. Nothing else happens in the web process, so an ack never waits behind another
 * request's work. A command that could not be handed over is answered in its ack; a button, through
 * its response_url at once.
 */
import type { AckFn, BlockButtonAction, RespondArguments, SlackAction, SlashCommand } from '@slack/bolt';
import { handOff, requestKey } from '../answer.ts';
import { deliverResponse } from '../deliver.ts';
import type { SlackDeps } from '../deps.ts';
import type { SlackButton } from '../requests.ts';

export async function handOverCommand(
  deps: SlackDeps,
  ack: AckFn<string | RespondArguments>,
  name: '/build' | '/lot' | '/trace',
  command: SlashCommand,
): Promise<void> {
  const handed = await handOff(deps, {
    user: command.user_id,
    channel: command.channel_id,
    responseUrl: command.response_url,
    key: requestKey(command),
    request: { kind: 'command', command: name, text: command.text },
  });
  await (handed.ok ? ack() : ack(handed.answer));
}

export async function handOverButton(
  deps: SlackDeps,
  ack: AckFn<void>,
  action: SlackButton,
  body: SlackAction & { response_url?: string },
  button: BlockButtonAction['actions'][number],
): Promise<void> {
  const handed = await handOff(deps, {
    user: body.user.id,
    channel: body.channel?.id ?? '',
    responseUrl: body.response_url ?? '',
    key: requestKey(body, action),
    request: { kind: 'button', action, value: button.value ?? '' },
  });
  await ack();
  if (!handed.ok && body.response_url)
    await deliverResponse(body.response_url, handed.answer).catch((err: unknown) =>
      deps.log.warn({ err }, 'could not tell the person their button was not taken'),
    );
}
