/**
 * Records about builds that storage answers: what a build consumed, the stock it holds, the units it
 * wrote off. (The build itself and its rules are in `builds.ts`.)
 */
import type { StockStatus } from './types.ts';

/** One component lot a build consumed, and how much of it went back. */
export interface Consumption {
  id: number;
  lotId: number;
  lotCode: string;
  partId: number;
  partCode: string;
  partName: string;
  quantity: number;
  returned: number;
  supplier: string | null;
  supplierOrder: string | null;
  dateCode: string | null;
  isUnit: boolean;
  /** The consumed lot's own serial and build, when it is a tracked sub-assembly unit. */
  serial: number | null;
  sourceBuildId: number | null;
  sourceBuildCode: string | null;
}

/** A build's hold on component stock between its acceptance and its start. */
export interface StockReservation {
  lotId: number;
  lotCode: string;
  partId: number;
  quantity: number;
}

/** A unit taken out of stock (scrapped, cancelled), and the status it left. */
export interface WrittenOffUnit {
  lotId: number;
  code: string;
  serial: number;
  /** The status the unit left. */
  from: StockStatus;
  /** For a unit that left `quarantined`: the status it had before its quarantine. */
  beforeQuarantine: StockStatus | null;
}
