/**
 * `/buildtrace login|logout`: a one-time sign-in link for the scan pages, or sign out of them
 * everywhere. Bad text is answered in the ack; the rest is handed to the workers like every other
 * command (src/slack/requests.ts answers it, ephemeral).
 */
import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { parseBuildtraceCommand } from '../../../domain/slack-commands.ts';
import type { SlackDeps } from '../../deps.ts';
import { helpAnswer, usageAnswer } from '../../presenters/help.ts';
import { handOverCommand } from '../hand-off.ts';

export function buildtraceCommand(deps: SlackDeps) {
  return async ({ command, ack }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const parsed = parseBuildtraceCommand(command.text);
    if (!parsed.ok) return ack(usageAnswer(parsed.problem, parsed.usage));
    if (parsed.request.kind === 'help') return ack(helpAnswer());
    await handOverCommand(deps, ack, '/buildtrace', command);
  };
}
