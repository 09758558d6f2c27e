/**
 * The pure stock rules (src/domain/stock.ts): which statuses may be handled, quantity arithmetic
 * that never goes negative nor below what builds reserved, splits, and quarantine/release.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RuleViolation, ValidationError } from '../../src/domain/errors.ts';
import {
  applyDelta,
  assertHandleable,
  assertSplittable,
  quarantineTransition,
  releaseTransition,
  reservedError,
} from '../../src/domain/stock.ts';
import { STOCK_STATUSES, type StockStatus } from '../../src/domain/types.ts';

const HANDLEABLE: StockStatus[] = ['available', 'quarantined', 'in_production', 'returned'];
const status = fc.constantFrom(...STOCK_STATUSES);
/** A lot's quantity and the part of it reserved (never more than it holds). */
const holding = fc
  .tuple(fc.nat({ max: 1_000 }), fc.nat({ max: 1_000 }))
  .map(([quantity, r]) => ({ code: 'LOT0000001', quantity, reserved: Math.min(r, quantity) }));

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('assertHandleable', () => {
  it.each(STOCK_STATUSES)('%s', (s) => {
    const error = thrown(() => assertHandleable({ code: 'LOT0000001', status: s }, 'move'));
    if (HANDLEABLE.includes(s)) expect(error).toBeUndefined();
    else {
      expect(error).toBeInstanceOf(RuleViolation);
      expect((error as Error).message).toBe(`cannot move lot LOT0000001: its status is ${s}`);
    }
  });
});

describe('applyDelta', () => {
  it('adds the delta when the result stays at or above what is reserved, and refuses otherwise', () => {
    fc.assert(
      fc.property(holding, fc.integer({ min: -1_200, max: 1_200 }), (lot, delta) => {
        const after = lot.quantity + delta;
        const error = thrown(() => applyDelta(lot, delta));
        if (after >= lot.reserved) expect(applyDelta(lot, delta)).toBe(after);
        else expect(error).toBeInstanceOf(RuleViolation);
      }),
    );
  });

  it('never answers a negative quantity; taking then giving back the same amount is the identity', () => {
    fc.assert(
      fc.property(holding, fc.nat({ max: 1_200 }), (lot, take) => {
        let after: number | undefined;
        try {
          after = applyDelta(lot, -take);
        } catch {
          return;
        }
        expect(after).toBeGreaterThanOrEqual(0);
        expect(applyDelta({ ...lot, quantity: after }, take)).toBe(lot.quantity);
      }),
    );
  });

  it('says why: going negative, or taking reserved stock', () => {
    expect(thrown(() => applyDelta({ code: 'L1', quantity: 3, reserved: 0 }, -5))).toMatchObject({
      message: 'lot L1 holds 3; taking 5 would leave -2, and quantities cannot go negative',
    });
    expect(thrown(() => applyDelta({ code: 'L1', quantity: 10, reserved: 8 }, -5))).toMatchObject({
      message: expect.stringContaining(
        'of which 8 is reserved for builds being started; only 2 can be taken, not 5',
      ),
    });
    expect(reservedError({ code: 'L1', quantity: 10, reserved: 8 }, 5)).toBeInstanceOf(RuleViolation);
  });
});

describe('assertSplittable', () => {
  it('accepts exactly a handleable lot split into a part smaller than it that leaves the reserved stock', () => {
    fc.assert(
      fc.property(holding, status, fc.integer({ min: 1, max: 1_200 }), (lot, s, quantity) => {
        const error = thrown(() => assertSplittable({ ...lot, status: s }, quantity));
        const ok =
          HANDLEABLE.includes(s) && quantity < lot.quantity && lot.quantity - quantity >= lot.reserved;
        if (ok) expect(error).toBeUndefined();
        else expect(error).toBeDefined();
        // Status first, then the quantity (a field), then the reservation (a rule).
        if (!HANDLEABLE.includes(s)) expect(error).toBeInstanceOf(RuleViolation);
        else if (quantity >= lot.quantity) expect(error).toBeInstanceOf(ValidationError);
        else if (!ok) expect(error).toBeInstanceOf(RuleViolation);
      }),
    );
  });
});

describe('quarantine and release', () => {
  it('quarantines a handleable lot not yet quarantined, and refuses everything else', () => {
    for (const s of STOCK_STATUSES) {
      const lot = { code: 'LOT0000001', status: s };
      if (HANDLEABLE.includes(s) && s !== 'quarantined')
        expect(quarantineTransition(lot)).toBe('quarantined');
      else expect(thrown(() => quarantineTransition(lot))).toBeInstanceOf(RuleViolation);
    }
  });

  it('release undoes quarantine: the lot gets back the status it had', () => {
    for (const before of STOCK_STATUSES) {
      const lot = { code: 'LOT0000001', status: before };
      if (thrown(() => quarantineTransition(lot))) continue;
      const quarantined = { ...lot, status: quarantineTransition(lot) };
      expect(releaseTransition(quarantined, before)).toBe(before);
    }
  });

  it('releases to available when the status before is unknown, and refuses a lot not quarantined', () => {
    const quarantined = { code: 'LOT0000001', status: 'quarantined' as const };
    expect(releaseTransition(quarantined, null)).toBe('available');
    expect(releaseTransition(quarantined, 'quarantined')).toBe('available');
    for (const s of STOCK_STATUSES.filter((x) => x !== 'quarantined'))
      expect(thrown(() => releaseTransition({ code: 'L1', status: s }, 'available'))).toBeInstanceOf(
        RuleViolation,
      );
  });
});
