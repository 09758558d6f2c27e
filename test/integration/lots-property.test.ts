/**
 * Property: over random sequences of receive / move / split / adjust — valid or not — no quantity
 * ever goes negative and every lot's quantity equals the sum of its ledger entries.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execute } from '../../src/commands/define.ts';
import { adjustLot, moveLot, receiveStock, splitLot } from '../../src/commands/lots.ts';
import { DomainError } from '../../src/domain/errors.ts';
import { SYSTEM_ACTOR } from '../../src/domain/roles.ts';
import { factories } from '../factories.ts';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { expectLedgerBalanced } from '../helpers/ledger.ts';

let ctx: TestContext;
let partCodes: string[];
let locationCodes: string[];

beforeAll(async () => {
  ctx = await createTestContext();
  const f = factories({ uow: ctx.uow });
  partCodes = [(await f.part()).code, (await f.part()).code];
  locationCodes = [(await f.location()).code, (await f.location()).code];
});
afterAll(async () => ctx?.close());

type Step =
  | { op: 'receive'; part: number; quantity: number }
  | { op: 'move'; lot: number; location: number }
  | { op: 'split'; lot: number; quantity: number }
  | { op: 'adjust'; lot: number; delta: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    op: fc.constant('receive' as const),
    part: fc.nat(1),
    quantity: fc.integer({ min: 1, max: 500 }),
  }),
  fc.record({ op: fc.constant('move' as const), lot: fc.nat(50), location: fc.nat(1) }),
  fc.record({
    op: fc.constant('split' as const),
    lot: fc.nat(50),
    quantity: fc.integer({ min: 1, max: 600 }),
  }),
  fc.record({
    op: fc.constant('adjust' as const),
    lot: fc.nat(50),
    delta: fc.integer({ min: -700, max: 300 }).filter((d) => d !== 0),
  }),
);

async function invariantsHold(): Promise<void> {
  const negative = await ctx.db('lots').where('quantity', '<', 0).count<{ count: number }[]>('* as count');
  expect(Number(negative[0]!.count)).toBe(0);
  await expectLedgerBalanced(ctx);
  const badAfter = await ctx.db.raw<{ rows: unknown[] }>(`
    SELECT id FROM (
      SELECT s.id, s.quantity_after, sum(s.delta) OVER (PARTITION BY s.lot_id ORDER BY s.id) AS running FROM stock_ledger s
    ) x WHERE quantity_after <> running`);
  expect(badAfter.rows).toEqual([]);
}

describe('stock ledger property', () => {
  it('keeps quantities non-negative and equal to the ledger under random operations', async () => {
    const lots: string[] = [];
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), async (steps) => {
        for (const s of steps) {
          const lot = lots.length > 0 && 'lot' in s ? lots[s.lot % lots.length]! : undefined;
          try {
            if (s.op === 'receive') {
              const created = await execute({ uow: ctx.uow }, receiveStock, SYSTEM_ACTOR, {
                part: partCodes[s.part],
                quantity: s.quantity,
              });
              lots.push(created.code);
            } else if (!lot) {
              continue;
            } else if (s.op === 'move') {
              await execute({ uow: ctx.uow }, moveLot, SYSTEM_ACTOR, {
                code: lot,
                location: locationCodes[s.location],
              });
            } else if (s.op === 'split') {
              const result = await execute({ uow: ctx.uow }, splitLot, SYSTEM_ACTOR, {
                code: lot,
                quantity: s.quantity,
              });
              lots.push(result.lot.code);
            } else {
              await execute({ uow: ctx.uow }, adjustLot, SYSTEM_ACTOR, {
                code: lot,
                delta: s.delta,
                reason: 'property test',
              });
            }
          } catch (error) {
            // Refusals are expected (splitting too much, adjusting below zero); anything else is a bug.
            if (!(error instanceof DomainError)) throw error;
          }
        }
        await invariantsHold();
      }),
      { numRuns: 40 },
    );
    expect(lots.length).toBeGreaterThan(0);
  });

  it('refuses to touch the ledger: it is append-only in the database too', async () => {
    const lot = (await factories({ uow: ctx.uow }).lot()).code;
    const id = (await ctx.db('lots').where({ code: lot }).first('id')).id as number;
    await expect(ctx.db('stock_ledger').where({ lot_id: id }).update({ delta: 5 })).rejects.toThrow(
      /append-only/,
    );
    await expect(ctx.db('stock_ledger').where({ lot_id: id }).delete()).rejects.toThrow(/append-only/);
    await expect(ctx.db('lots').where({ id }).update({ quantity: -1 })).rejects.toThrow(
      /quantity changes only through stock_ledger/,
    );
  });

  it('keeps every lot equal to its ledger whatever SQL is sent: the stock door is the only way in', async () => {
    const lot = await factories({ uow: ctx.uow }).lot({ quantity: 40 });
    const id = (await ctx.db('lots').where({ code: lot.code }).first('id')).id as number;
    const before = await ctx.db('stock_ledger').where({ lot_id: id }).count<{ n: number }[]>('* as n');
    // A direct quantity change outside the door is refused, however plausible the number.
    await expect(ctx.db('lots').where({ id }).update({ quantity: 41 })).rejects.toThrow(
      /quantity changes only through stock_ledger/,
    );
    await expect(ctx.db.raw('UPDATE lots SET quantity = quantity + 1')).rejects.toThrow(
      /quantity changes only through stock_ledger/,
    );
    // A lot cannot be opened with a quantity without its ledger entry.
    const part = (await ctx.db('lots').where({ id }).first('part_id')).part_id as number;
    await expect(
      ctx
        .db('lots')
        .insert({ code: 'ZZZZZZZZZZ', part_id: part, quantity: 5, status: 'available', source: 'x' }),
    ).rejects.toThrow(/only through the stock door/);
    // The reserved quantity follows the reservations only.
    await expect(ctx.db('lots').where({ id }).update({ reserved: 1 })).rejects.toThrow(
      /reserved follows stock_reservations/,
    );
    // A ledger entry moves the lot, and must agree with the quantity it records.
    await ctx
      .db('stock_ledger')
      .insert({ lot_id: id, delta: -3, quantity_after: 37, reason: 'adjust', actor: 't' });
    expect((await ctx.db('lots').where({ id }).first('quantity')).quantity).toBe(37);
    await expect(
      ctx
        .db('stock_ledger')
        .insert({ lot_id: id, delta: -3, quantity_after: 30, reason: 'adjust', actor: 't' }),
    ).rejects.toThrow(/would hold 34 but its entry says 30/);
    expect(
      Number((await ctx.db('stock_ledger').where({ lot_id: id }).count<{ n: number }[]>('* as n'))[0]!.n),
    ).toBe(Number(before[0]!.n) + 1);
    await invariantsHold();
  });
});
