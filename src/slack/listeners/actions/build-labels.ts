/** The Print labels button on a build's message: every unit, default template, PDF to this channel. */
import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { execute } from '../../../commands/define.ts';
import { requestLabelsFromSlack } from '../../../commands/slack.ts';
import { answerAs, requestKey } from '../../answer.ts';
import type { SlackDeps } from '../../deps.ts';
import { labelsRequested } from '../../presenters/build.ts';

export function buildLabelsAction(deps: SlackDeps) {
  return async ({
    ack,
    body,
    action,
  }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const origin = { user: body.user.id, responseUrl: body.response_url, key: requestKey(body, 'labels') };
    await answerAs(deps, origin, async (actor) =>
      labelsRequested(
        await execute(deps, requestLabelsFromSlack, actor, {
          build: action.value ?? '',
          channel: body.channel?.id ?? '',
          ...(body.response_url ? { responseUrl: body.response_url } : {}),
        }),
        action.value ?? undefined,
      ),
    );
  };
}
