/** Notes and service: free-text entries on the history of a lot or device. */
import { z } from 'zod';
import { assertRecordable } from '../../domain/history.ts';
import { defineCommand } from '../define.ts';
import { findLot } from '../lookup.ts';
import { recordEvents } from '../timeline.ts';
import { lotRef, optionalText, text } from '../validation.ts';
import { deviceView, recorded } from './items.ts';

export const recordNote = defineCommand({
  name: 'recordNote',
  summary: 'Add a note to the history of a lot or device',
  role: 'operator',
  mode: 'write',
  input: z.strictObject({ code: lotRef, text: text(5_000) }),
  async run({ repos, actor }, { code, text: body }) {
    const lot = await findLot(repos, 'code', code, { lock: true });
    assertRecordable(deviceView(lot), 'note');
    const [event] = await recordEvents(repos, actor, [
      { lot, event: { kind: 'note', data: { text: body } } },
    ]);
    return recorded(repos, event!);
  },
});

export const recordService = defineCommand({
  name: 'recordService',
  summary: 'Record service done on a device (calibration, firmware update, inspection …), also in the field',
  role: 'operator',
  mode: 'write',
  input: z.strictObject({ code: lotRef, description: text(1_000), notes: optionalText(2_000) }),
  async run({ repos, actor }, { code, description, notes }) {
    const lot = await findLot(repos, 'code', code, { lock: true });
    assertRecordable(deviceView(lot), 'service');
    const [event] = await recordEvents(repos, actor, [
      { lot, event: { kind: 'service', data: { description, notes: notes ?? null } } },
    ]);
    return recorded(repos, event!);
  },
});
