/**
 * Model-based test of whole production histories: fast-check generates sequences of receipts,
 * builds (tracked or not, single or multi-stage, FIFO or named lots, pairing), stage advances,
 * completions (all or some serials), cancels, scraps, shipments and returns over a world of three
 * components, a module and a product that contains it; each runs on the reference model
 * (`model.ts`) and on the real system — the commands with their workers, or the HTTP API for about a
 * quarter of the histories — and after every step every answer is compared: lot quantities and
 * statuses, ledger sums, build status and counters, the backward trace of every device and the forward
 * trace of every lot; at the end, a recall report. A failure prints its seed and shrunk history;
 * `npm run test:model -- --seed <seed> --path <path>` replays it, `--runs 1000` soaks.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackground, type Background } from '../helpers/background.ts';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { COMMANDS, Start, type Holder } from './commands.ts';
import { compareRecall } from './recall.ts';
import { World } from './world.ts';

const RUNS = Number(process.env.MODEL_RUNS ?? 24);
const SEED = process.env.MODEL_SEED ? Number(process.env.MODEL_SEED) : undefined;
const PATH = process.env.MODEL_PATH;
const MAX_STEPS = Number(process.env.MODEL_STEPS ?? 30);

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

describe('production histories against the reference model', () => {
  it(
    'answers every step of every generated history as the model does',
    async () => {
      const t0 = performance.now();
      const steps = { n: 0, byKind: {} as Record<string, number> };
      let histories = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.integer({ min: 4, max: 30 }), { minLength: 6, maxLength: 9 }),
          fc.integer({ min: 0, max: 3 }).map((n) => n === 0),
          // A plain array (not fc.commands): every history gets a good length, and shrinking still
          // drops steps one by one.
          fc.array(fc.oneof(...COMMANDS), { minLength: 8, maxLength: MAX_STEPS }),
          // Half the histories begin with tracked modules inside tracked products, so that what
          // follows (repairs, module swaps, shipments of devices that hold modules) has them to work on.
          fc.boolean(),
          async (initial, http, rest, nested) => {
            const commands = nested
              ? [new Start('M', 3, true, 0, false, false), new Start('P', 1, true, 0, false, false), ...rest]
              : rest;
            histories++;
            const world = await World.create(ctx, http, initial);
            const holder: Holder = { world, steps };
            await fc.asyncModelRun(() => ({ model: holder, real: holder }), commands);
            await world.compare(true);
            await compareRecall(world);
          },
        ),
        {
          numRuns: RUNS,
          ...(SEED !== undefined ? { seed: SEED } : {}),
          ...(PATH ? { path: PATH } : {}),
          verbose: 1,
        },
      );
      const seconds = (performance.now() - t0) / 1000;
      console.log(
        `model: ${histories} histories, ${steps.n} steps, ${seconds.toFixed(1)} s (${(steps.n / seconds).toFixed(1)} steps/s); ` +
          Object.entries(steps.byKind)
            .sort()
            .map(([k, n]) => `${k} ${n}`)
            .join(', '),
      );
      expect(steps.n).toBeGreaterThan(RUNS);
    },
    Number(process.env.MODEL_TIMEOUT_MS ?? 600_000),
  );
});
