/**
 * builds.start — runs a queued 'start' operation of a build; a second run finds it done and does
 * nothing. A start refused here (stock quarantined since the request) or given up on is settled:
 * the build is planned again, with the reason, and `build.operation_failed` tells the requester.
 */
import { performBuildOperation, settleBuildOperation } from '../src/commands/builds.ts';
import { defineProcessor } from './define.ts';

export default defineProcessor(
  'builds.start',
  async ({ operationId }, { app }) => {
    const operation = await performBuildOperation({ uow: app.uow }, operationId);
    return { status: operation?.status ?? 'missing', error: operation?.error ?? null };
  },
  async ({ operationId }, reason, { app }) => {
    await settleBuildOperation({ uow: app.uow }, operationId, reason);
  },
);
