/**
 * The way out of a build whose work stopped: a blocked build continues its unit generation where it
 * stopped; a build whose last operation failed has that operation requested again (a planned build
 * whose start failed is started again, its components reserved anew).
 */
import { z } from 'zod';
import { retryPlan } from '../../domain/builds.ts';
import { defineCommand } from '../define.ts';
import { idCodeRef } from '../validation.ts';
import { advanceBuild } from './advance.ts';
import { cancelBuild } from './cancel.ts';
import { completeBuild } from './complete.ts';
import { requestOperation } from './operations.ts';
import { findBuild, operationJob } from './shared.ts';

export const retryBuild = defineCommand({
  name: 'retryBuild',
  summary:
    'Retry what stopped a build: continue a blocked unit generation, or request its failed operation again',
  role: 'operator',
  mode: 'write',
  input: z.strictObject({ code: idCodeRef }),
  async run(ctx, { code }) {
    const { repos, actor } = ctx;
    const build = await findBuild(repos, code, true);
    const latest = await repos.builds.latestOperation(build.id);
    const plan = retryPlan(build, latest?.status === 'failed' ? latest : null);
    switch (plan.kind) {
      case 'generate': {
        const operation = await repos.builds.insertOperation({
          buildId: build.id,
          kind: 'generate',
          params: { retryOf: build.blocked?.operationId ?? null },
          requestedBy: actor.name,
        });
        const resumed = await repos.builds.update(build.id, { status: 'in_progress', blocked: null });
        await repos.jobs.enqueue(operationJob(operation));
        return { build: resumed, operation };
      }
      case 'start':
        return requestOperation(repos, actor, build.code, 'start', {});
      case 'advance':
        return advanceBuild.run(ctx, {
          code: build.code,
          stage: (plan.params.stage as string | null) ?? undefined,
          comment: (plan.params.comment as string | null) ?? null,
        });
      case 'complete':
        return completeBuild.run(ctx, {
          code: build.code,
          serials: plan.params.serials as number[] | undefined,
          force: plan.params.force as boolean | undefined,
          reason: (plan.params.reason as string | undefined) ?? null,
        });
      case 'cancel':
        return cancelBuild.run(ctx, { code: build.code, reason: String(plan.params.reason ?? 'retry') });
    }
  },
});
