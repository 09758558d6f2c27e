/**
 * Histories the model test found wrong, shrunk, kept once fixed: each runs through the same model
 * comparison as the generated ones.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { startBackground, type Background } from '../helpers/background.ts';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { ScrapDevice, Start, type Holder } from './commands.ts';
import { World } from './world.ts';

let ctx: TestContext;
let bg: Background;

beforeAll(async () => {
  ctx = await createTestContext();
  bg = await startBackground(ctx);
});
afterAll(async () => {
  await bg?.stop();
  await ctx?.close();
});

async function history(http: boolean, initial: number[], steps: fc.AsyncCommand<Holder, Holder>[]) {
  const world = await World.create(ctx, http, initial);
  const holder: Holder = { world, steps: { n: 0, byKind: {} } };
  await fc.asyncModelRun(() => ({ model: holder, real: holder }), steps);
}

describe('histories the model test found', () => {
  // seed 50140668: scrapping a completed device by its own code left the build's counters as they were
  // (progress said 1 completed, 0 scrapped) — #14 item 27.
  it('moves a completed unit scrapped by its code from the build’s completed units to its scrapped ones', async () => {
    await history(true, [4, 4, 4, 4, 4, 4], [new Start('M', 1, true, 0, false, false), new ScrapDevice(0)]);
    await history(false, [4, 4, 4, 4, 4, 4], [new Start('M', 2, true, 1, false, false), new ScrapDevice(0)]);
  });
});
