/**
 * What the four build operation jobs (`builds.start`, `builds.advance`, `builds.complete`,
 * `builds.cancel`) share: their data (the queued operation) and their processor — run the queued
 * operation (a second run finds it done and does nothing) and, when the job gives up, settle it
 * (`failBuildOperation`: the operation failed with the reason, a start's build planned again,
 * `build.operation_failed`).
 */
import { z } from 'zod';
import { performBuildOperation, failBuildOperation } from '../src/commands/builds.ts';
import { rowId, type JobDefinition } from './define.ts';

export const buildOperationData = z.object({ operationId: rowId });

type BuildOperationJob = JobDefinition<string, typeof buildOperationData>;

export const buildOperation: Pick<BuildOperationJob, 'process' | 'settle'> = {
  async process({ operationId }, { app }) {
    const operation = await performBuildOperation({ uow: app.uow }, operationId);
    return { status: operation?.status ?? 'missing', error: operation?.error ?? null };
  },
  async settle({ operationId }, reason, { app }) {
    await failBuildOperation({ uow: app.uow }, operationId, reason);
  },
};
