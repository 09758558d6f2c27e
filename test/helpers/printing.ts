/** Shared steps of the printing tests: a completed tracked build with its unit URLs, a finished run. */
import { expect } from 'vitest';
import { factories } from '../factories.ts';
import { settledBuild, waitFor } from './background.ts';
import { makeKit, type Kit } from './builds.ts';
import type { TestContext } from './context.ts';

/** A completed tracked build of `quantity` units (of `kit`'s project, or a fresh kit's) and their label URLs in serial order. */
export async function builtUnits(ctx: TestContext, quantity: number, kit?: Kit) {
  const k =
    kit ??
    (await makeKit(factories({ uow: ctx.uow }), { rLots: [{ quantity: 2 * quantity }], uStock: quantity }));
  const res = await ctx.api('POST', '/api/v1/builds', {
    body: { project: k.project, quantity, trackUnits: true },
  });
  expect(res.status, res.text).toBe(201);
  const code = (res.body.build as { code: string }).code;
  await settledBuild(ctx, code, (b) => b.status === 'completed');
  const units = (await ctx
    .db('lots')
    .where({ build_id: ctx.db('builds').select('id').where({ code }) })
    .orderBy('serial')
    .pluck('code')) as string[];
  return { code, urls: units.map((u) => `${ctx.config.publicUrl}/id/${u}`), kit: k };
}

/** Waits until a label run is done, failed or cancelled; answers it as the API shows it. */
export function finishedRun(ctx: TestContext, id: number, timeoutMs = 120_000) {
  return waitFor(
    async () => {
      const res = await ctx.api('GET', `/api/v1/labels/${id}`);
      return ['done', 'failed', 'cancelled'].includes(res.body.status as string) ? res.body : undefined;
    },
    `label run ${id} to finish`,
    timeoutMs,
  );
}

/** Waits until a label run is paused; answers it as the API shows it. */
export function pausedRun(ctx: TestContext, id: number, timeoutMs = 60_000) {
  return waitFor(
    async () => {
      const res = await ctx.api('GET', `/api/v1/labels/${id}`);
      return res.body.status === 'paused' ? res.body : undefined;
    },
    `label run ${id} to pause`,
    timeoutMs,
  );
}
