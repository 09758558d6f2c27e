/** trace.recall — writes a recall's CSV report; a second run finds it done. */
import { z } from 'zod';
import { execute } from '../../src/commands/define.ts';
import { runRecall, settleRecall } from '../../src/commands/recalls.ts';
import { SYSTEM_ACTOR } from '../../src/domain/roles.ts';
import { defineJob, rowId } from '../define.ts';

export default defineJob({
  name: 'trace.recall',
  queue: 'trace',
  description: 'Write a recall report (CSV of every device containing a lot) and announce recall.ready',
  data: z.object({ recallId: rowId }),
  async process({ recallId }, { app }) {
    const recall = await execute({ uow: app.uow }, runRecall, SYSTEM_ACTOR, { recallId });
    return { devices: recall.devices };
  },
  async settle({ recallId }, reason, { app }) {
    await settleRecall({ uow: app.uow }, recallId, reason);
  },
});
