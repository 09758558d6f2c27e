/** The modal that records a test result or a note on a lot or device. */
import type { types } from '@slack/bolt';
import { RECORD_ELEMENT, RECORD_FIELDS, VIEWS } from '../ids.ts';
import { ephemeral, escape, plain, type SlackAnswer } from './format.ts';

function textInput(
  blockId: string,
  label: string,
  options: { hint?: string; multiline?: boolean; placeholder?: string; max?: number } = {},
): types.InputBlock {
  return {
    type: 'input',
    block_id: blockId,
    optional: true,
    label: plain(label),
    ...(options.hint ? { hint: plain(options.hint) } : {}),
    element: {
      type: 'plain_text_input',
      action_id: RECORD_ELEMENT,
      multiline: options.multiline ?? false,
      ...(options.max ? { max_length: options.max } : {}),
      ...(options.placeholder ? { placeholder: plain(options.placeholder) } : {}),
    },
  };
}

/** `privateMetadata` travels with the modal and comes back on submit (at most 3,000 characters). */
export function recordModal(lotCode: string, privateMetadata: string): types.ModalView {
  return {
    type: 'modal',
    callback_id: VIEWS.lotRecord,
    private_metadata: privateMetadata,
    title: plain('Record on a lot'),
    submit: plain('Save'),
    close: plain('Cancel'),
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `For \`${lotCode}\`: a test result (give the test's name and the result) or a note.`,
        },
      },
      textInput(RECORD_FIELDS.test, 'Test', { placeholder: 'e.g. ICT, burn-in, final', max: 100 }),
      {
        type: 'input',
        block_id: RECORD_FIELDS.result,
        optional: true,
        label: plain('Result'),
        element: {
          type: 'radio_buttons',
          action_id: RECORD_ELEMENT,
          options: [
            { text: plain('Pass'), value: 'pass' },
            { text: plain('Fail'), value: 'fail' },
          ],
        },
      },
      textInput(RECORD_FIELDS.measurements, 'Measurements', {
        hint: 'name=value pairs, separated by commas or lines',
        placeholder: 'vout=3.31, current=0.12',
        multiline: true,
        max: 2000,
      }),
      textInput(RECORD_FIELDS.station, 'Station', { placeholder: 'e.g. ICT-2', max: 100 }),
      textInput(RECORD_FIELDS.note, 'Note', { multiline: true, max: 2000 }),
    ],
  };
}

export function recordedAnswer(
  lotCode: string,
  what: { test: string; passed: boolean } | { note: true },
): SlackAnswer {
  return ephemeral({
    text:
      'test' in what
        ? `:memo: Test result recorded on \`${lotCode}\`: ${escape(what.test)} ${what.passed ? 'passed :white_check_mark:' : 'failed :x:'}`
        : `:memo: Note recorded on \`${lotCode}\`.`,
  });
}
