/**
 * The "Record test result or note" button under a `/lot` answer: opens the modal at once (Slack's
 * trigger_id is good for 3 seconds, so this call cannot wait for a queue).
 */
import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { recordNote } from '../../../commands/history.ts';
import { ForbiddenError } from '../../../domain/errors.ts';
import { roleAllows } from '../../../domain/roles.ts';
import { queueAnswer, requestKey, slackActor } from '../../answer.ts';
import type { SlackDeps } from '../../deps.ts';
import { errorAnswer, notAllowedAnswer } from '../../presenters/errors.ts';
import { ephemeral } from '../../presenters/format.ts';
import { recordModal } from '../../presenters/record-modal.ts';
import { recordMetadata } from '../views/lot-record.ts';

export function lotRecordAction(deps: SlackDeps) {
  return async ({
    ack,
    body,
    action,
    client,
  }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const origin = { user: body.user.id, responseUrl: body.response_url, key: requestKey(body, 'record') };
    const lot = action.value ?? '';
    try {
      const actor = await slackActor(deps, body.user.id);
      if (!actor) {
        await queueAnswer(deps, origin, notAllowedAnswer(body.user.id));
        return;
      }
      // Say so now rather than after the form is filled in.
      if (!roleAllows(actor.role, recordNote.role)) {
        await queueAnswer(
          deps,
          origin,
          errorAnswer(
            new ForbiddenError(`recording needs the ${recordNote.role} role; ${actor.name} is ${actor.role}`),
            body.user.id,
          ),
        );
        return;
      }
      await client.views.open({
        trigger_id: body.trigger_id,
        view: recordModal(lot, recordMetadata.encode({ lot, responseUrl: body.response_url })),
      });
    } catch (err) {
      deps.log.warn({ err, lot }, 'could not open the record modal');
      await queueAnswer(
        deps,
        origin,
        ephemeral({ text: ':warning: Slack did not open the form; press the button again.' }),
      ).catch((e: unknown) => deps.log.error({ err: e }, 'could not queue the answer to a Slack request'));
    }
  };
}
