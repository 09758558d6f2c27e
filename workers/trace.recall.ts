/** trace.recall — writes a recall's CSV report; a second run finds it done. */
import { execute } from '../src/commands/define.ts';
import { runRecall, settleRecall } from '../src/commands/recalls.ts';
import { SYSTEM_ACTOR } from '../src/domain/roles.ts';
import { defineProcessor } from './define.ts';

export default defineProcessor(
  'trace.recall',
  async ({ recallId }, { app }) => {
    const recall = await execute({ uow: app.uow }, runRecall, SYSTEM_ACTOR, { recallId });
    return { devices: recall.devices };
  },
  async ({ recallId }, reason, { app }) => {
    await settleRecall({ uow: app.uow }, recallId, reason);
  },
);
