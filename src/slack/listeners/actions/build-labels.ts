/**
 * The Print labels button on a build's message: every unit, default template, PDF to this channel.
 * Handed to the workers and acknowledged at once (src/slack/requests.ts runs it and answers).
 */
import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { SlackDeps } from '../../deps.ts';
import { handOverButton } from '../hand-off.ts';

export function buildLabelsAction(deps: SlackDeps) {
  return async ({
    ack,
    body,
    action,
  }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs): Promise<void> =>
    handOverButton(deps, ack, 'labels', body, action);
}
