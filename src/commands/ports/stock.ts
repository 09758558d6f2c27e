import type { StockReservation } from '../../domain/build-types.ts';
import type { Allocation, CandidateLot } from '../../domain/builds.ts';
import type { LedgerReason } from '../../domain/types.ts';

/** Why a stock move happens, as its ledger entry records it. */
export interface LedgerEntryInfo {
  reason: LedgerReason;
  note?: string | null | undefined;
  actor: string;
  buildId?: number | null | undefined;
}

/** One quantity change of one lot: positive into the lot, negative out of it. */
export interface StockMove extends LedgerEntryInfo {
  lotId: number;
  delta: number;
}

/**
 * The one door through which stock moves: every quantity change is a ledger entry, and the database
 * refuses any other way (lots.quantity follows the ledger by trigger; see the migration
 * `make_lot_quantity_follow_the_ledger`). Reservations hold stock for accepted builds.
 */
export interface StockMovements {
  /**
   * Lots that can be consumed, locked until the unit of work ends, per part in FIFO order (oldest
   * first; expired lots excluded), with the quantity not reserved by other builds. With `lotIds`,
   * only those lots, in the given order.
   */
  candidates(partIds: number[], lotIds?: number[]): Promise<Map<number, CandidateLot[]>>;
  /**
   * Moves quantities in and out of existing lots (a lot may appear more than once; moves apply in
   * order) and writes their ledger entries; answers each lot's quantity afterwards. A move that
   * would take a lot below zero, or below what builds have reserved of it, is refused.
   */
  move(moves: StockMove[]): Promise<Map<number, number>>;
  /**
   * Runs `insert`, which inserts lots with their opening quantities (a receipt, a split, units a
   * build produced): each gets its opening ledger entry with `entry`'s reason. A lot inserted with a
   * quantity anywhere else is refused by the database.
   */
  open<T>(entry: LedgerEntryInfo, insert: () => Promise<T>): Promise<T>;
  /** Holds quantities of lots for a build until it starts or is cancelled. */
  reserve(buildId: number, allocations: Allocation[]): Promise<void>;
  /** Ends a build's reservations; answers what they were. */
  release(buildId: number): Promise<StockReservation[]>;
  reservations(buildId: number): Promise<StockReservation[]>;
}
