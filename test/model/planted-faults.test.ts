/**
 * The model test bites: known bugs are planted in the database one at a time (a trigger that
 * quietly drops or bends a write, the way a faulty code path would) and a short history that
 * exercises them is run through the model test — which must fail on each, naming what differs.
 */
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startBackground, type Background } from '../helpers/background.ts';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { Cancel, RepairUnit, ScrapUnits, Start, type Holder } from './commands.ts';
import { World } from './world.ts';

let ctx: TestContext;
let bg: Background;

beforeAll(async () => {
  ctx = await createTestContext();
  bg = await startBackground(ctx);
});
afterEach(async () => {
  await ctx.db.raw('DROP TRIGGER IF EXISTS planted ON stock_ledger');
  await ctx.db.raw('DROP TRIGGER IF EXISTS planted ON unit_links');
  await ctx.db.raw('DROP TRIGGER IF EXISTS planted ON builds');
  await ctx.db.raw('DROP FUNCTION IF EXISTS planted()');
});
afterAll(async () => {
  await bg?.stop();
  await ctx?.close();
});

/** Runs a history on a fresh world; rejects when the system and the model disagree. */
async function history(steps: fc.AsyncCommand<Holder, Holder>[]): Promise<void> {
  const world = await World.create(ctx, false, [20, 20, 20, 20, 20, 20]);
  // A planted fault may keep an operation from ever finishing: no need to wait long for it.
  world.system.settleTimeoutMs = 4_000;
  const holder: Holder = { world, steps: { n: 0, byKind: {} } };
  await fc.asyncModelRun(() => ({ model: holder, real: holder }), steps);
}

const plant = (table: string, when: string, body: string) =>
  ctx.db.raw(`
    CREATE FUNCTION planted() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN ${body} END $$;
    CREATE TRIGGER planted BEFORE ${table.startsWith('UPDATE') ? 'UPDATE' : 'INSERT'} ON ${table.replace(/^UPDATE /, '')}
      FOR EACH ROW ${when ? `WHEN (${when})` : ''} EXECUTE FUNCTION planted();`);

const cancelled = () => [new Start('M', 2, true, 1, false, false), new Cancel(0)];
const paired = () => [new Start('M', 2, true, 0, false, false), new Start('P', 2, true, 0, false, false)];
const swapped = () => [
  new Start('M', 2, true, 0, false, false),
  new Start('P', 1, true, 0, false, false),
  new RepairUnit(0, 0),
];
const scrapped = () => [new Start('M', 2, true, 0, false, false), new ScrapUnits(0, [0])];

describe('planted faults', () => {
  it('finds nothing wrong in the same histories without a fault', async () => {
    for (const steps of [cancelled(), paired(), swapped(), scrapped()]) await history(steps);
  });

  it('catches a ledger entry skipped: a cancel whose components never go back (the stock door refuses it)', async () => {
    await plant('stock_ledger', "NEW.reason = 'build_return'", 'RETURN NULL;');
    await expect(history(cancelled())).rejects.toThrow(/did not settle/);
  });

  it('catches a ledger entry that is wrong: a cancel that gives back one part too few', async () => {
    await plant(
      'stock_ledger',
      "NEW.reason = 'build_return' AND NEW.delta > 1",
      'NEW.delta := NEW.delta - 1; NEW.quantity_after := NEW.quantity_after - 1; RETURN NEW;',
    );
    await expect(history(cancelled())).rejects.toThrow(/expected \{ lot: '[AB]#\d+'/);
  });

  it('catches a pairing ignored: devices that hold no module', async () => {
    await plant('unit_links', '', 'RETURN NULL;');
    await expect(history(paired())).rejects.toThrow(/backward|forward/);
  });

  it('catches a repair that does not move the link: the old module still in the device', async () => {
    await plant('UPDATE unit_links', 'NEW.removed_at IS NOT NULL', 'RETURN NULL;');
    await expect(history(swapped())).rejects.toThrow(/backward|forward/);
  });

  it('catches a counter not updated on scrap', async () => {
    await plant(
      'UPDATE builds',
      'NEW.units_scrapped > OLD.units_scrapped',
      'NEW.units_scrapped := OLD.units_scrapped; RETURN NEW;',
    );
    await expect(history(scrapped())).rejects.toThrow(/expected \{ build: 'b1'/);
  });
});
