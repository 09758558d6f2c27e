/**
 * Stock rules: which statuses allow which operations, and quantity arithmetic that never goes
 * negative. Pure functions; commands call them before writing.
 */
import { RuleViolation, ValidationError } from './errors.ts';
import type { Lot, StockStatus } from './types.ts';

/** Statuses whose stock may still be moved, split or counted. */
const HANDLEABLE: ReadonlySet<StockStatus> = new Set([
  'available',
  'quarantined',
  'in_production',
  'returned',
]);

export function assertHandleable(lot: Pick<Lot, 'code' | 'status'>, action: string): void {
  if (!HANDLEABLE.has(lot.status)) {
    throw new RuleViolation(`cannot ${action} lot ${lot.code}: its status is ${lot.status}`);
  }
}

/** The quantity after applying `delta`, refusing to go below zero or below what builds reserved. */
export function applyDelta(lot: Pick<Lot, 'code' | 'quantity' | 'reserved'>, delta: number): number {
  const after = lot.quantity + delta;
  if (after < 0) {
    throw new RuleViolation(
      `lot ${lot.code} holds ${lot.quantity}; taking ${-delta} would leave ${after}, and quantities cannot go negative`,
    );
  }
  if (after < lot.reserved) throw reservedError(lot, -delta);
  return after;
}

/** Refuses taking stock that builds accepted for starting hold. */
export function reservedError(
  lot: Pick<Lot, 'code' | 'quantity' | 'reserved'>,
  taking: number,
): RuleViolation {
  return new RuleViolation(
    `lot ${lot.code} holds ${lot.quantity}, of which ${lot.reserved} is reserved for builds being started; ` +
      `only ${lot.quantity - lot.reserved} can be taken, not ${taking} (cancel the build or wait for its start)`,
  );
}

/** Checks a split request: the new lot takes part of the stock and leaves the rest. */
export function assertSplittable(
  lot: Pick<Lot, 'code' | 'quantity' | 'reserved' | 'status'>,
  quantity: number,
): void {
  assertHandleable(lot, 'split');
  if (quantity >= lot.quantity) {
    throw ValidationError.field(
      'quantity',
      `must be less than the lot's quantity (${lot.quantity}); to move the whole lot, move it`,
    );
  }
  if (lot.quantity - quantity < lot.reserved) throw reservedError(lot, quantity);
}

/** The status a quarantine moves a lot into, or an explanation why it cannot. */
export function quarantineTransition(lot: Pick<Lot, 'code' | 'status'>): StockStatus {
  if (lot.status === 'quarantined') throw new RuleViolation(`lot ${lot.code} is already quarantined`);
  if (!HANDLEABLE.has(lot.status)) {
    throw new RuleViolation(`cannot quarantine lot ${lot.code}: its status is ${lot.status}`);
  }
  return 'quarantined';
}

/** A released lot returns to the status it had before the quarantine (available by default). */
export function releaseTransition(
  lot: Pick<Lot, 'code' | 'status'>,
  statusBefore: StockStatus | null,
): StockStatus {
  if (lot.status !== 'quarantined') {
    throw new RuleViolation(`lot ${lot.code} is not quarantined (its status is ${lot.status})`);
  }
  return statusBefore && statusBefore !== 'quarantined' ? statusBefore : 'available';
}
