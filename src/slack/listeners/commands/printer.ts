/**
 * `/printer list|status|add|remove|help`. Bad text is answered in the ack with the usage; anything
 * else is handed to the workers and acknowledged at once (src/slack/printer-requests.ts answers it).
 */
import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { parsePrinterCommand } from '../../../domain/slack-printer-commands.ts';
import type { SlackDeps } from '../../deps.ts';
import { usageAnswer } from '../../presenters/help.ts';
import { printerHelp } from '../../presenters/printers.ts';
import { handOverCommand } from '../hand-off.ts';

export function printerCommand(deps: SlackDeps) {
  return async ({ command, ack }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const parsed = parsePrinterCommand(command.text);
    if (!parsed.ok) return ack(usageAnswer(parsed.problem, parsed.usage));
    if (parsed.request.kind === 'help') return ack(printerHelp());
    await handOverCommand(deps, ack, '/printer', command);
  };
}
