/** The Cancel button on a build's message (Slack asks for confirmation before sending it). */
import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { requestCancel } from '../../../commands/builds.ts';
import { execute } from '../../../commands/define.ts';
import { answerAs, requestKey } from '../../answer.ts';
import type { SlackDeps } from '../../deps.ts';
import { SLACK_CANCEL_WITHOUT_REASON, operationRequested } from '../../presenters/build.ts';

export function buildCancelAction(deps: SlackDeps) {
  return async ({
    ack,
    body,
    action,
  }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const origin = { user: body.user.id, responseUrl: body.response_url, key: requestKey(body, 'cancel') };
    await answerAs(deps, origin, async (actor) =>
      operationRequested(
        await execute(deps, requestCancel, actor, {
          code: action.value ?? '',
          reason: SLACK_CANCEL_WITHOUT_REASON,
        }),
      ),
    );
  };
}
