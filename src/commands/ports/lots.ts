import type { Page, PageRequest } from '../../domain/page.ts';
import type { Fields, LedgerEntry, Lot, StockStatus } from '../../domain/types.ts';

export interface NewLot {
  code: string;
  partId: number;
  locationId: number | null;
  quantity: number;
  status: StockStatus;
  source: string;
  supplier?: string | null | undefined;
  supplierOrder?: string | null | undefined;
  dateCode?: string | null | undefined;
  expiresOn?: string | null | undefined;
  fields?: Fields | undefined;
  parentLotId?: number | null | undefined;
  buildId?: number | null | undefined;
}
/** Quantities change only through `StockMovements.move`. */
export interface LotPatch {
  status?: StockStatus;
  statusBeforeQuarantine?: StockStatus | null;
  locationId?: number | null;
  supplier?: string | null | undefined;
  supplierOrder?: string | null | undefined;
  dateCode?: string | null | undefined;
  expiresOn?: string | null | undefined;
  fields?: Fields | undefined;
}
export interface LotFilter {
  partId?: number | undefined;
  locationId?: number | undefined;
  status?: StockStatus | undefined;
  /** A device's formatted serial (any case). */
  serialLabel?: string | undefined;
  /** Only devices (lots with a serial number). */
  devices?: boolean | undefined;
  /** Also lots of quantity 0 (consumed, fitted, emptied). */
  empty?: boolean | undefined;
}
export interface RecentSupplierReceipt {
  scan: string;
  partId: number;
  supplier: string | null;
  supplierOrder: string | null;
  supplierLot?: string | undefined;
  withinSeconds: number;
}
export interface LotRepository {
  /** A lot with a quantity is inserted only inside `StockMovements.open`. */
  insert(lot: NewLot): Promise<Lot>;
  findById(id: number): Promise<Lot | null>;
  /** With `lock`, the row stays locked until the unit of work ends (SELECT … FOR UPDATE). */
  findByCode(code: string, options?: { lock?: boolean }): Promise<Lot | null>;
  /** Devices whose formatted serial is this one (any case): one, or several of different parts. */
  findBySerialLabel(label: string, options?: { lock?: boolean }): Promise<Lot[]>;
  statusBeforeQuarantine(id: number): Promise<StockStatus | null>;
  /** Lots a build produced (not tracked units) in a status. */
  producedBy(buildId: number, status: StockStatus): Promise<Lot[]>;
  update(id: number, patch: LotPatch): Promise<Lot>;
  /**
   * The latest lot received from a supplier's bag within the last `withinSeconds`: one whose
   * `fields.supplierScan` is `scan` (the same code read again), or — when `supplierLot` is given —
   * one of the same part, supplier and supplier order whose `fields.supplierLot` is `supplierLot`.
   */
  findRecentSupplierReceipt(match: RecentSupplierReceipt): Promise<Lot | null>;
  list(filter: LotFilter, page: PageRequest): Promise<Page<Lot>>;
}

/** The stock ledger, read side: entries are written only through `StockMovements`. */
export interface LedgerRepository {
  listForLot(lotId: number, page: PageRequest): Promise<Page<LedgerEntry>>;
}
