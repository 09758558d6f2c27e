/**
 * The Advance button on a multi-stage build's message: completes the next stage.
 * Handed to the workers and acknowledged at once (src/slack/requests.ts runs it and answers).
 */
import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { SlackDeps } from '../../deps.ts';
import { handOverButton } from '../hand-off.ts';

export function buildAdvanceAction(deps: SlackDeps) {
  return async ({
    ack,
    body,
    action,
  }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs): Promise<void> =>
    handOverButton(deps, ack, 'advance', body, action);
}
