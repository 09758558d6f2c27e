/**
 * `/build start|advance|complete|cancel|retry|status|labels|help`. Bad or incomplete text is answered in
 * the ack itself (parsing is pure and takes microseconds, so the ack is still immediate and nothing
 * is queued); anything else is handed to the workers and acknowledged at once. A worker runs it as
 * the user's command — which only records the request and hands the work to the queues — and answers
 * through response_url (src/slack/requests.ts).
 */
import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { parseBuildCommand } from '../../../domain/slack-commands.ts';
import type { SlackDeps } from '../../deps.ts';
import { helpAnswer, usageAnswer } from '../../presenters/help.ts';
import { handOverCommand } from '../hand-off.ts';

export function buildCommand(deps: SlackDeps) {
  return async ({ command, ack }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const parsed = parseBuildCommand(command.text);
    if (!parsed.ok) return ack(usageAnswer(parsed.problem, parsed.usage));
    if (parsed.request.kind === 'help') return ack(helpAnswer());
    await handOverCommand(deps, ack, '/build', command);
  };
}
