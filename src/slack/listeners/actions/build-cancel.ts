/**
 * The Cancel button on a build's message (Slack asks for confirmation before sending it).
 * Handed to the workers and acknowledged at once (src/slack/requests.ts runs it and answers).
 */
import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { SlackDeps } from '../../deps.ts';
import { handOverButton } from '../hand-off.ts';

export function buildCancelAction(deps: SlackDeps) {
  return async ({
    ack,
    body,
    action,
  }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs): Promise<void> =>
    handOverButton(deps, ack, 'cancel', body, action);
}
