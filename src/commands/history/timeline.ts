/** A lot's timeline: its history events, and one of them, with their attachments. */
import { z } from 'zod';
import { HISTORY_KINDS, type HistoryEvent } from '../../domain/history.ts';
import { defineCommand } from '../define.ts';
import { findLot } from '../lookup.ts';
import type { Repositories } from '../ports.ts';
import { lotRef, pageQuery, numericId } from '../validation.ts';
import { findEventOf, withAttachments } from './items.ts';

const kindList = z
  .string()
  .max(200)
  .transform((s, ctx) => {
    const kinds = s
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean);
    for (const k of kinds)
      if (!(HISTORY_KINDS as readonly string[]).includes(k)) {
        ctx.addIssue({
          code: 'custom',
          message: `'${k}' is not a history event kind (${HISTORY_KINDS.join(', ')})`,
        });
        return z.NEVER;
      }
    return kinds as HistoryEvent['kind'][];
  });

export const listLotHistory = defineCommand({
  name: 'listLotHistory',
  summary: "A lot's timeline: every history event with its summary and attachments, oldest first by default",
  role: 'viewer',
  mode: 'read',
  reads: 'replica',
  input: pageQuery.extend({
    code: lotRef,
    order: z.enum(['asc', 'desc']).default('asc').describe('asc: oldest first; desc: newest first'),
    kind: kindList.optional().describe('comma-separated kinds, e.g. test_result,repair'),
  }),
  run: async ({ repos }, { code, limit, cursor, order, kind }) =>
    lotTimeline(repos, (await findLot(repos, 'code', code)).id, { kinds: kind }, { limit, cursor, order }),
});

/** A page of the timeline of the lot with this id (what `listLotHistory` answers). */
export async function lotTimeline(
  repos: Repositories,
  lotId: number,
  filter: { kinds?: HistoryEvent['kind'][] | undefined },
  page: { limit: number; cursor?: string | undefined; order: 'asc' | 'desc' },
) {
  const events = await repos.history.list(lotId, filter, page);
  return { items: await withAttachments(repos, events.items), nextCursor: events.nextCursor };
}

export const getHistoryEvent = defineCommand({
  name: 'getHistoryEvent',
  summary: 'One history event of a lot, with its attachments',
  role: 'viewer',
  mode: 'read',
  input: z.strictObject({
    code: lotRef,
    id: numericId,
  }),
  async run({ repos }, { code, id }) {
    const lot = await findLot(repos, 'code', code);
    const event = await findEventOf(repos, lot, id);
    return (await withAttachments(repos, [event]))[0]!;
  },
});
