/** The Retry button on a blocked build's message. */
import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { retryBuild } from '../../../commands/builds.ts';
import { execute } from '../../../commands/define.ts';
import { answerAs, requestKey } from '../../answer.ts';
import type { SlackDeps } from '../../deps.ts';
import { operationRequested } from '../../presenters/build.ts';

export function buildRetryAction(deps: SlackDeps) {
  return async ({
    ack,
    body,
    action,
  }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const origin = { user: body.user.id, responseUrl: body.response_url, key: requestKey(body, 'retry') };
    await answerAs(deps, origin, async (actor) =>
      operationRequested(await execute(deps, retryBuild, actor, { code: action.value ?? '' })),
    );
  };
}
