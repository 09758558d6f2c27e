/**
 * The buttons about printing: Print on a build's message (its project's default printer), and
 * Resume, Cancel, They printed and Print them again on a print run's message. Each is handed to the
 * workers and acknowledged at once (src/slack/requests.ts runs it, as the person who pressed it).
 */
import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { SlackDeps } from '../../deps.ts';
import type { SlackButton } from '../../requests.ts';
import { handOverButton } from '../hand-off.ts';

export function printAction(deps: SlackDeps, action: SlackButton) {
  return async ({
    ack,
    body,
    action: button,
  }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs): Promise<void> =>
    handOverButton(deps, ack, action, body, button);
}
