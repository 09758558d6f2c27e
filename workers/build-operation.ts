/**
 * The shape shared by the four build operation jobs (`builds.start`, `builds.advance`,
 * `builds.complete`, `builds.cancel`): run the queued operation — a second run finds it done and does
 * nothing — and, when the job gives up, settle it (`settleBuildOperation`: the operation failed with
 * the reason, a start's build planned again, `build.operation_failed`).
 */
import { performBuildOperation, settleBuildOperation } from '../src/commands/builds.ts';
import { defineProcessor, type Processor } from './define.ts';

type BuildOperationJob = 'builds.start' | 'builds.advance' | 'builds.complete' | 'builds.cancel';

export function buildOperationProcessor<N extends BuildOperationJob>(job: N): Processor<N> {
  return defineProcessor(
    job,
    async ({ operationId }, { app }) => {
      const operation = await performBuildOperation({ uow: app.uow }, operationId);
      return { status: operation?.status ?? 'missing', error: operation?.error ?? null };
    },
    async ({ operationId }, reason, { app }) => {
      await settleBuildOperation({ uow: app.uow }, operationId, reason);
    },
  );
}
