/** builds.complete — runs a queued 'complete' operation of a build; a second run finds it done and does nothing. */
import { performBuildOperation, settleBuildOperation } from '../src/commands/builds.ts';
import { defineProcessor } from './define.ts';

export default defineProcessor(
  'builds.complete',
  async ({ operationId }, { app }) => {
    const operation = await performBuildOperation({ uow: app.uow }, operationId);
    return { status: operation?.status ?? 'missing', error: operation?.error ?? null };
  },
  async ({ operationId }, reason, { app }) => {
    await settleBuildOperation({ uow: app.uow }, operationId, reason);
  },
);
