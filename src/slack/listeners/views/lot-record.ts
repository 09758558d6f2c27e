/**
 * Submitting the record-a-test-result-or-note modal. A modal can only show errors in its ack, so
 * this listener runs the command before acknowledging (one short transaction) and answers bad input
 * or a refusal next to the field concerned; on success the modal closes and a confirmation goes to
 * the `/lot` answer's channel.
 */
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { z } from 'zod';
import { execute } from '../../../commands/define.ts';
import { recordNote, recordTestResult } from '../../../commands/history.ts';
import { DomainError, ValidationError } from '../../../domain/errors.ts';
import { parseMeasurements } from '../../../domain/slack-commands.ts';
import { queueAnswer, requestKey, slackActor } from '../../answer.ts';
import type { SlackDeps } from '../../deps.ts';
import { RECORD_ELEMENT, RECORD_FIELDS } from '../../ids.ts';
import { errorAnswer } from '../../presenters/errors.ts';
import { recordedAnswer } from '../../presenters/record-modal.ts';

const metadataSchema = z.object({ lot: z.string().min(1).max(40), responseUrl: z.url().optional() });

/** What travels in the modal's private_metadata. */
export const recordMetadata = {
  encode: (m: z.input<typeof metadataSchema>) => JSON.stringify(m),
  decode: (s: string) => {
    try {
      return metadataSchema.parse(JSON.parse(s));
    } catch {
      return null;
    }
  },
};

/** Input field of the commands → the modal block that shows its error. */
const BLOCK_OF: Record<string, string> = {
  test: RECORD_FIELDS.test,
  passed: RECORD_FIELDS.result,
  measurements: RECORD_FIELDS.measurements,
  station: RECORD_FIELDS.station,
  notes: RECORD_FIELDS.note,
  text: RECORD_FIELDS.note,
};

export function lotRecordView(deps: SlackDeps) {
  return async ({
    ack,
    body,
    view,
  }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    const values = view.state.values;
    const text = (block: string) => values[block]?.[RECORD_ELEMENT]?.value?.trim() || undefined;
    const test = text(RECORD_FIELDS.test);
    const result = values[RECORD_FIELDS.result]?.[RECORD_ELEMENT]?.selected_option?.value;
    const note = text(RECORD_FIELDS.note);
    const station = text(RECORD_FIELDS.station);
    const measured = parseMeasurements(text(RECORD_FIELDS.measurements) ?? '');
    const meta = recordMetadata.decode(view.private_metadata);
    const errors: Record<string, string> = {};
    if (!meta) errors[RECORD_FIELDS.note] = 'This form is out of date: run /lot again.';
    else if (test) {
      if (result !== 'pass' && result !== 'fail') errors[RECORD_FIELDS.result] = 'Choose pass or fail.';
      if (!measured.ok) errors[RECORD_FIELDS.measurements] = `${measured.problem}.`;
    } else if (!note) errors[RECORD_FIELDS.note] = 'Write a note, or give a test and its result.';
    if (Object.keys(errors).length > 0 || !meta || !measured.ok) {
      await ack({ response_action: 'errors', errors });
      return;
    }
    try {
      const actor = await slackActor(deps, body.user.id);
      if (!actor) {
        await ack({
          response_action: 'errors',
          errors: { [RECORD_FIELDS.note]: 'You have no role in buildtrace yet.' },
        });
        return;
      }
      if (test) {
        await execute(deps, recordTestResult, actor, {
          code: meta.lot,
          test,
          passed: result === 'pass',
          ...(Object.keys(measured.measurements).length > 0 ? { measurements: measured.measurements } : {}),
          ...(station ? { station } : {}),
          ...(note ? { notes: note } : {}),
        });
      } else {
        await execute(deps, recordNote, actor, { code: meta.lot, text: note! });
      }
    } catch (error) {
      if (!(error instanceof DomainError)) deps.log.error({ err: error }, 'recording from Slack failed');
      const field = error instanceof ValidationError ? error.problems[0]?.field : undefined;
      const block = (field && BLOCK_OF[field]) || RECORD_FIELDS.note;
      await ack({
        response_action: 'errors',
        errors: { [block]: errorAnswer(error, body.user.id).text.slice(0, 300) },
      });
      return;
    }
    await ack();
    const origin = { user: body.user.id, responseUrl: meta.responseUrl, key: requestKey(body, 'recorded') };
    await queueAnswer(
      deps,
      origin,
      recordedAnswer(meta.lot, test ? { test, passed: result === 'pass' } : { note: true }),
    ).catch((err: unknown) => deps.log.error({ err }, 'could not queue the answer to a Slack request'));
  };
}
