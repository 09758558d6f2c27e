import type { WrittenOffUnit } from '../../domain/build-types.ts';
import type { Page, PageRequest } from '../../domain/page.ts';
import type { Lot, StockStatus } from '../../domain/types.ts';

export interface NewUnit {
  serial: number;
  code: string;
  serialLabel: string | null;
}

export interface UnitFilter {
  status?: StockStatus | undefined;
  serials?: number[] | undefined;
}

export interface UnitRepository {
  /**
   * Inserts single-unit lots and their links to the sub-assembly units they contain, in one
   * statement; returns how many were inserted. Run it inside `StockMovements.open`, which writes
   * their opening ledger entries.
   */
  insertUnits(input: {
    buildId: number;
    partId: number;
    locationId: number | null;
    status: StockStatus;
    units: NewUnit[];
    links: { serial: number; childLotIds: number[]; childBuildIds: (number | null)[] }[];
  }): Promise<number>;
  /** Moves units (all, or the given serials) from one status to another; returns the serials moved. */
  changeStatus(buildId: number, from: StockStatus, to: StockStatus, serials?: number[]): Promise<number[]>;
  /**
   * Moves units still in stock (quantity 1) from one of `from` to `to` (scrapped, cancelled); a
   * quarantined unit only if it was quarantined from one of `quarantinedFrom` (when given). Answers
   * which, in serial order, with the status each left (and for a quarantined one, the status before
   * its quarantine). The caller takes them out of stock through `StockMovements.move`.
   */
  writeOff(
    buildId: number,
    options: { from: StockStatus[]; to: StockStatus; serials?: number[]; quarantinedFrom?: StockStatus[] },
  ): Promise<WrittenOffUnit[]>;
  /** The status of each of these serials of a build that exists. */
  statuses(buildId: number, serials: number[]): Promise<Map<number, StockStatus>>;
  /** These units of a build, as lots, in serial order (those that exist). */
  findBySerials(buildId: number, serials: number[]): Promise<Lot[]>;
  /** Of these formatted serials of a part, those a unit already has (at most `limit`), with its build. */
  takenSerialLabels(
    partId: number,
    labels: string[],
    limit: number,
  ): Promise<{ label: string; build: string | null }[]>;
  /** Ends the links between these (written-off) devices and their children; returns how many. */
  unlinkChildren(parentLotIds: number[], reason: string): Promise<number>;
  /** Consumed sub-assembly units of a build that no device holds (any more), not yet given back. */
  unheldConsumedUnits(buildId: number): Promise<{ consumptionId: number; lotId: number }[]>;
  findBySerial(buildId: number, serial: number): Promise<Lot | null>;
  list(
    buildId: number,
    filter: UnitFilter,
    page: PageRequest,
  ): Promise<Page<Lot & { serial: number; serialLabel: string | null }>>;
  countByStatus(buildId: number): Promise<Record<string, number>>;
}
