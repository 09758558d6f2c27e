/**
 * `/trace <ID code> [forward|backward]`: backward to component lots (default) or forward to devices.
 * Bad text is answered in the ack; anything else is handed to the workers and acknowledged at once
 * (src/slack/requests.ts answers it).
 */
import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { parseTraceCommand } from '../../../domain/slack-commands.ts';
import type { SlackDeps } from '../../deps.ts';
import { helpAnswer, usageAnswer } from '../../presenters/help.ts';
import { handOverCommand } from '../hand-off.ts';

export function traceCommand(deps: SlackDeps) {
  return async ({ command, ack }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const parsed = parseTraceCommand(command.text);
    if (!parsed.ok) return ack(usageAnswer(parsed.problem, parsed.usage));
    if (parsed.request.kind === 'help') return ack(helpAnswer());
    await handOverCommand(deps, ack, '/trace', command);
  };
}
