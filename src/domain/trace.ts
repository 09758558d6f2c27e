/** Traceability: what a lot went into (forward), and what a device is made of (backward). */
import type { Page } from './page.ts';
import type { StockStatus } from './types.ts';

/** What either trace shows of every lot it names. */
interface TraceLotFields {
  id: number;
  code: string;
  partCode: string;
  partName: string;
  status: StockStatus;
  quantity: number;
  serial: number | null;
  serialLabel: string | null;
  buildCode: string | null;
}

/** A lot a forward trace reached. */
export interface TracedLot extends TraceLotFields {
  locationCode: string | null;
  /** The customer of the device's latest shipment (not corrected), if it was ever shipped. */
  customer: string | null;
  /** Levels above the starting lot (1 = made directly from it). */
  depth: number;
}

export interface ForwardTrace {
  total: number;
  byStatus: Record<string, number>;
  builds: { code: string; projectName: string; depth: number; affected: number }[];
  page: Page<TracedLot>;
}

/** A lot as a backward trace shows it. */
export interface LotSummary extends TraceLotFields {
  supplier: string | null;
  supplierOrder: string | null;
  dateCode: string | null;
  buildId: number | null;
}
