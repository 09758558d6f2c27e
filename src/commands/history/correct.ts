/** Corrections: a new event that refers to the one it corrects; the original stays. */
import { z } from 'zod';
import { assertCorrectable } from '../../domain/history.ts';
import { defineCommand } from '../define.ts';
import { findLot } from '../lookup.ts';
import { recordEvents } from '../timeline.ts';
import { lotRef, text, numericId } from '../validation.ts';
import { findEventOf, recorded } from './items.ts';

const correctionDetails = z
  .record(z.string().min(1).max(100), z.union([z.string().max(2000), z.number(), z.boolean(), z.null()]))
  .refine((r) => Object.keys(r).length <= 50, { message: 'at most 50 details' })
  .meta({ maxProperties: 50 });

export const correctHistoryEvent = defineCommand({
  name: 'correctHistoryEvent',
  summary:
    'Correct a history event: a new event that refers to it, with the reason and the corrected details (the original stays)',
  role: 'operator',
  mode: 'write',
  input: z.strictObject({
    code: lotRef,
    id: numericId,
    reason: text(1_000),
    details: correctionDetails.default({}).describe('corrected values, e.g. {"customer": "Acme GmbH"}'),
  }),
  async run({ repos, actor }, { code, id, reason, details }) {
    const lot = await findLot(repos, 'code', code, { lock: true });
    const target = await findEventOf(repos, lot, id);
    assertCorrectable(target, lot.code);
    const [event] = await recordEvents(repos, actor, [
      {
        lot,
        event: {
          kind: 'correction',
          corrects: target.id,
          data: { reason, details, correctsKind: target.kind },
        },
      },
    ]);
    return recorded(repos, event!);
  },
});
