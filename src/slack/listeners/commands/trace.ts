/** `/trace <ID code> [forward|backward]`: backward to component lots (default) or forward to devices. */
import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { execute } from '../../../commands/define.ts';
import { traceBackward, traceForward } from '../../../commands/trace.ts';
import { parseTraceCommand } from '../../../domain/slack-commands.ts';
import { answerAs, requestKey } from '../../answer.ts';
import type { SlackDeps } from '../../deps.ts';
import { helpAnswer, usageAnswer } from '../../presenters/help.ts';
import { backwardAnswer, forwardAnswer } from '../../presenters/trace.ts';

/** Devices listed in a forward answer (the total and per-build counts cover all of them). */
const FORWARD_LIMIT = 20;

export function traceCommand(deps: SlackDeps) {
  return async ({ command, ack }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const parsed = parseTraceCommand(command.text);
    if (!parsed.ok) return ack(usageAnswer(parsed.problem, parsed.usage));
    const request = parsed.request;
    if (request.kind === 'help') return ack(helpAnswer());
    await ack();
    const origin = { user: command.user_id, responseUrl: command.response_url, key: requestKey(command) };
    await answerAs(deps, origin, async (actor) =>
      request.direction === 'forward'
        ? forwardAnswer(
            await execute(deps, traceForward, actor, { code: request.code, limit: FORWARD_LIMIT }),
          )
        : backwardAnswer(await execute(deps, traceBackward, actor, { code: request.code })),
    );
  };
}
