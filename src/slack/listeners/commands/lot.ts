/**
 * `/lot <ID code>`, `/lot <formatted serial>` or `/lot <build> <serial>`: a lot or device with its 5
 * most recent history items. Bad text is answered in the ack; anything else is handed to the workers
 * and acknowledged at once (src/slack/requests.ts answers it).
 */
import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { parseLotCommand } from '../../../domain/slack-commands.ts';
import type { SlackDeps } from '../../deps.ts';
import { helpAnswer, usageAnswer } from '../../presenters/help.ts';
import { handOverCommand } from '../hand-off.ts';

export function lotCommand(deps: SlackDeps) {
  return async ({ command, ack }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const parsed = parseLotCommand(command.text);
    if (!parsed.ok) return ack(usageAnswer(parsed.problem, parsed.usage));
    if (parsed.request.kind === 'help') return ack(helpAnswer());
    await handOverCommand(deps, ack, '/lot', command);
  };
}
