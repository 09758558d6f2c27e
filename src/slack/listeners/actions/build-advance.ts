/** The Advance button on a multi-stage build's message: completes the next stage. */
import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { requestAdvance } from '../../../commands/builds.ts';
import { execute } from '../../../commands/define.ts';
import { answerAs, requestKey } from '../../answer.ts';
import type { SlackDeps } from '../../deps.ts';
import { operationRequested } from '../../presenters/build.ts';

export function buildAdvanceAction(deps: SlackDeps) {
  return async ({
    ack,
    body,
    action,
  }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const origin = { user: body.user.id, responseUrl: body.response_url, key: requestKey(body, 'advance') };
    await answerAs(deps, origin, async (actor) =>
      operationRequested(await execute(deps, requestAdvance, actor, { code: action.value ?? '' })),
    );
  };
}
