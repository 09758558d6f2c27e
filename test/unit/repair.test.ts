/** Repair planning: the rules a repair's replacement lines follow before anything is written. */
import { describe, expect, it } from 'vitest';
import { RuleViolation, ValidationError } from '../../src/domain/errors.ts';
import {
  assertNamesALot,
  assertReplaceable,
  planReplacement,
  type RepairContext,
  type ReplacementLine,
} from '../../src/domain/repair.ts';
import type { Lot } from '../../src/domain/types.ts';

const lot = (id: number, over: Partial<Lot> = {}): Lot => ({
  id,
  code: `LOT${id}`,
  partId: 1,
  partCode: 'P1',
  locationId: null,
  locationCode: null,
  quantity: 10,
  reserved: 0,
  status: 'available',
  source: 'purchase',
  supplier: null,
  supplierOrder: null,
  dateCode: null,
  expiresOn: null,
  fields: {},
  parentLotId: null,
  parentLotCode: null,
  buildId: null,
  buildCode: null,
  serial: null,
  serialLabel: null,
  createdAt: new Date(0),
  updatedAt: new Date(0),
  ...over,
});

const device = lot(100, {
  code: 'DEV',
  partId: 9,
  partCode: 'BOARD',
  serial: 1,
  status: 'returned',
  quantity: 1,
});
const context = (over: Partial<RepairContext> = {}): RepairContext => ({
  device,
  components: [
    { lotId: 1, partId: 1, partName: 'MCU' },
    { lotId: 5, partId: 2, partName: 'Radio module' },
  ],
  holders: [200],
  used: new Set(),
  ...over,
});
const line = (over: Partial<ReplacementLine> = {}): ReplacementLine => ({
  at: 'replacements.0',
  request: { quantity: 1, designators: ['U1'], removedTo: 'quarantined' },
  removed: null,
  installed: null,
  installedHeld: false,
  ...over,
});
const unit = (id: number, over: Partial<Lot> = {}) =>
  lot(id, { partId: 2, partCode: 'RADIO', serial: id, quantity: 1, ...over });

const refusal = (f: () => unknown) => {
  try {
    f();
  } catch (error) {
    return error as Error;
  }
  throw new Error('no refusal');
};

describe('repair planning', () => {
  it('only devices have components replaced', () => {
    expect(() => assertReplaceable(device, 1)).not.toThrow();
    expect(() => assertReplaceable(lot(3), 0)).not.toThrow();
    const error = refusal(() => assertReplaceable(lot(3), 1));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toMatch(/LOT3 is not a device/);
  });

  it('a line names what it takes out, puts in, or both', () => {
    expect(() => assertNamesALot('replacements.2', 'A', undefined)).not.toThrow();
    expect(() => assertNamesALot('replacements.2', undefined, 'B')).not.toThrow();
    expect(refusal(() => assertNamesALot('replacements.2', undefined, undefined))).toBeInstanceOf(
      ValidationError,
    );
    expect(refusal(() => planReplacement(context(), line()))).toBeInstanceOf(ValidationError);
  });

  it('swaps parts of a lot for the same part, recording the line', () => {
    const planned = planReplacement(
      context(),
      line({
        removed: lot(1),
        installed: lot(2),
        request: { quantity: 3, designators: ['U1'], removedTo: 'scrapped' },
      }),
    );
    expect(planned).toMatchObject({ quantity: 3, partId: 1, removedTo: 'scrapped', designators: ['U1'] });
    expect(planned.line).toEqual({
      part: 'P1',
      partName: 'MCU',
      removed: 'LOT1',
      installed: 'LOT2',
      quantity: 3,
      unit: false,
      designators: ['U1'],
    });
  });

  it('a unit counts one, whatever quantity a lot line would take', () => {
    const planned = planReplacement(context(), line({ removed: unit(5), installed: unit(6) }));
    expect(planned.quantity).toBe(1);
    expect(planned.line).toMatchObject({
      unit: true,
      removed: 'LOT5',
      installed: 'LOT6',
      partName: 'Radio module',
    });
    const error = refusal(() =>
      planReplacement(
        context(),
        line({ removed: unit(5), request: { quantity: 2, designators: [], removedTo: 'quarantined' } }),
      ),
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems[0]!.field).toBe('replacements.0.quantity');
  });

  it('a lot is named once per repair, but twice in one line', () => {
    const shared = context();
    planReplacement(shared, line({ removed: lot(1), installed: lot(1) }));
    const error = refusal(() => planReplacement(shared, line({ at: 'replacements.1', installed: lot(1) })));
    expect(error.message).toMatch(/LOT1 is named twice/);
  });

  it.each<[string, Partial<ReplacementLine>, typeof RuleViolation | typeof ValidationError, RegExp]>([
    [
      'another part',
      { removed: lot(1), installed: lot(2, { partId: 3, partCode: 'P3' }) },
      ValidationError,
      /of part P3/,
    ],
    ['not in the device', { removed: lot(7) }, RuleViolation, /lot LOT7 is not in device DEV/],
    ['a unit not in the device', { removed: unit(8) }, RuleViolation, /unit LOT8 is not in device DEV/],
    ['the device itself', { installed: lot(100, { partId: 1 }) }, RuleViolation, /inside itself/],
    ['a device holding it', { installed: lot(200) }, RuleViolation, /inside itself/],
    [
      'a lot for a unit',
      { removed: unit(5), installed: lot(2, { partId: 2 }) },
      ValidationError,
      /must be a sub-assembly unit/,
    ],
    [
      'a unit for a lot',
      { removed: lot(1), installed: unit(6, { partId: 1 }) },
      ValidationError,
      /must be a lot/,
    ],
    [
      'not available',
      { installed: lot(2, { status: 'quarantined' }) },
      RuleViolation,
      /is quarantined, not available/,
    ],
    [
      'a unit already fitted',
      { installed: unit(6), installedHeld: true },
      RuleViolation,
      /already inside a device/,
    ],
    ['too little stock', { installed: lot(2, { quantity: 0 }) }, RuleViolation, /holds 0, 1 needed/],
  ])('refuses to put in %s', (_, over, kind, message) => {
    const error = refusal(() => planReplacement(context(), line(over)));
    expect(error).toBeInstanceOf(kind);
    expect(error.message).toMatch(message);
  });
});
