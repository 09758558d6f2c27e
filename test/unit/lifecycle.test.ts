/** The device lifecycle table: every action from every status, allowed or refused with the allowed list. */
import { describe, expect, it } from 'vitest';
import { RuleViolation } from '../../src/domain/errors.ts';
import {
  DEVICE_ACTIONS,
  allowedActions,
  deviceTransition,
  type DeviceAction,
} from '../../src/domain/lifecycle.ts';
import { STOCK_STATUSES, type StockStatus } from '../../src/domain/types.ts';

/** Written out independently of the module's table: status → action → resulting status. */
const EXPECTED: Record<StockStatus, Partial<Record<DeviceAction, StockStatus | 'previous'>>> = {
  in_production: { quarantine: 'quarantined', scrap: 'scrapped' },
  available: { ship: 'shipped', quarantine: 'quarantined', scrap: 'scrapped', dispose: 'disposed' },
  quarantined: { release: 'previous', scrap: 'scrapped', dispose: 'disposed' },
  shipped: { return: 'returned', dispose: 'disposed' },
  // Restock and ship from `returned` need a repair or service first (checked below).
  returned: {
    ship: 'shipped',
    restock: 'available',
    quarantine: 'quarantined',
    scrap: 'scrapped',
    dispose: 'disposed',
  },
  scrapped: { dispose: 'disposed' },
  cancelled: { dispose: 'disposed' },
  disposed: {},
};

const repaired = { repairedSinceReturn: true };

function refusal(fn: () => unknown): RuleViolation {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(RuleViolation);
    return error as RuleViolation;
  }
  throw new Error('expected a refusal');
}

describe('device lifecycle', () => {
  for (const status of STOCK_STATUSES) {
    for (const action of DEVICE_ACTIONS) {
      const to = EXPECTED[status][action];
      const device = { code: 'DEV0000001', status };
      if (to) {
        it(`${status} --${action}--> ${to}`, () => {
          const result = deviceTransition(device, action, {
            ...repaired,
            statusBeforeQuarantine: 'returned',
          });
          expect(result).toBe(to === 'previous' ? 'returned' : to);
        });
      } else {
        it(`${status} refuses ${action}, listing the allowed actions`, () => {
          const error = refusal(() => deviceTransition(device, action, repaired));
          const allowed = Object.keys(EXPECTED[status]);
          expect(error.message).toContain(`cannot ${action} device DEV0000001: it is ${status}`);
          expect(error.message).toContain(`allowed now: ${allowed.length ? allowed.join(', ') : 'nothing'}`);
          expect(error.details).toEqual({ deviceStatus: status, allowed });
        });
      }
    }
  }

  it('lets a returned device be restocked or shipped only after a repair or service', () => {
    const device = { code: 'DEV0000002', status: 'returned' as const };
    expect(allowedActions('returned', { repairedSinceReturn: false })).toEqual([
      'quarantine',
      'scrap',
      'dispose',
    ]);
    for (const action of ['restock', 'ship'] as const) {
      const error = refusal(() => deviceTransition(device, action, { repairedSinceReturn: false }));
      expect(error.message).toMatch(
        /no repair or service recorded since; record one first; allowed now: quarantine, scrap, dispose/,
      );
    }
    expect(deviceTransition(device, 'restock', repaired)).toBe('available');
    expect(deviceTransition(device, 'ship', repaired)).toBe('shipped');
  });

  it('releases a quarantined device to the status it had before (available when unknown)', () => {
    const device = { code: 'DEV0000003', status: 'quarantined' as const };
    expect(
      deviceTransition(device, 'release', {
        repairedSinceReturn: false,
        statusBeforeQuarantine: 'in_production',
      }),
    ).toBe('in_production');
    expect(
      deviceTransition(device, 'release', { repairedSinceReturn: false, statusBeforeQuarantine: null }),
    ).toBe('available');
  });

  it('refuses every move of a unit that sits inside another device', () => {
    const facts = { repairedSinceReturn: true, heldBy: 'BOARD00001' };
    expect(allowedActions('available', facts)).toEqual([]);
    const error = refusal(() => deviceTransition({ code: 'MOD0000001', status: 'available' }, 'ship', facts));
    expect(error.message).toMatch(/inside device BOARD00001.*allowed now: nothing/);
  });

  it('treats disposed as final', () => {
    expect(allowedActions('disposed', repaired)).toEqual([]);
  });
});
