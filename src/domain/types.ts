/**
 * The objects buildtrace keeps, in the product's words. One word per concept, used the same way in
 * code, API, Slack text and docs.
 *
 * Glossary
 * - **part**: a kind of item — a purchased component or a sub-assembly (what a project builds).
 * - **location**: where stock is stored.
 * - **lot**: a quantity of one part kept apart from other stock of that part (lot control). Carries
 *   source/supplier data, date code, expiry, free fields, a stock status and an ID code.
 * - **stock ledger**: the append-only record of every quantity change of every lot. A lot's quantity
 *   always equals the sum of its ledger entries.
 * - **ID code**: short, case-insensitive, typo-detecting code given to every part, location, lot,
 *   project and build (see `id-code.ts`). The public identifier of an object in URLs and labels.
 * - **project**: a BOM — lines of (part, quantity per unit, designators) — and the sub-assembly part
 *   it produces.
 * - **event**: something that happened (`lot.status_changed`, `build.completed` …), written to the
 *   outbox in the same transaction as the change, then relayed to the queues.
 * - **build**: making N units of a project (`domain/builds.ts`). It consumes component lots and
 *   records which and how much; its work (start, advance, complete, cancel, and a tracked build's
 *   unit generation) is done by workers as **operations**.
 * - **unit** / **device**: one built sub-assembly in its own single-unit lot — the same row, two
 *   words for two moments: a **unit** while it belongs to its build (units of a build: generated,
 *   completed, scrapped by serial, labelled), a **device** in its life afterwards (device history,
 *   lifecycle: ship, return, restock, scrap, dispose; recall). A unit is named by its lot's ID code,
 *   or by its build's code and serial.
 * - **serial** (`serial`): the integer 1..N a unit has within its build.
 * - **serial label** (`serialLabel`): the formatted serial printed on a unit (`PX-2650-00042`), from
 *   the project's serial format and a per-part counter that never repeats (`domain/serial-format.ts`).
 *   Code, API and labels all call it `serialLabel`.
 * - **reservation**: stock (and serials) a build holds from its acceptance until its start consumes
 *   it or a failure releases it.
 * - **label run**: one rendering of labels (a PDF) for a build's units, lots, parts or locations.
 * - **recall**: a report of every device that contains a given lot.
 *
 * Objects carry an internal numeric `id` for the database; it never leaves the process (responses
 * are shaped by the API schemas, which name the `code` instead).
 */

export const STOCK_STATUSES = [
  'in_production',
  'available',
  'quarantined',
  'shipped',
  'scrapped',
  'returned',
  'disposed',
  'cancelled',
] as const;
export type StockStatus = (typeof STOCK_STATUSES)[number];

export const PART_KINDS = ['component', 'subassembly'] as const;
export type PartKind = (typeof PART_KINDS)[number];

/** Free-form, user-defined fields carried by parts and lots. */
export type Fields = Record<string, string | number | boolean | null>;

export interface Part {
  id: number;
  code: string;
  name: string;
  kind: PartKind;
  description: string | null;
  manufacturer: string | null;
  mpn: string | null;
  value: string | null;
  footprint: string | null;
  /**
   * The product's GTIN as GTIN-14 (see `gs1.ts`), for devices labelled with a GS1 DataMatrix (UDI);
   * null for parts without one.
   */
  gtin: string | null;
  fields: Fields;
  createdAt: Date;
  updatedAt: Date;
}

export interface Location {
  id: number;
  code: string;
  name: string;
  description: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface Lot {
  id: number;
  code: string;
  partId: number;
  partCode: string;
  locationId: number | null;
  locationCode: string | null;
  quantity: number;
  /** Of `quantity`, how much builds accepted for starting hold (it cannot be taken otherwise). */
  reserved: number;
  status: StockStatus;
  /** Where the stock came from: `purchase`, `build`, `split`, `return`, `count` … */
  source: string;
  supplier: string | null;
  supplierOrder: string | null;
  dateCode: string | null;
  expiresOn: string | null;
  fields: Fields;
  parentLotId: number | null;
  parentLotCode: string | null;
  /** The build that made this lot (sub-assembly stock), if any. */
  buildId: number | null;
  buildCode: string | null;
  /** For a device (tracked unit): its serial number within the build, and the formatted serial. */
  serial: number | null;
  serialLabel: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export const LEDGER_REASONS = [
  'receive',
  'split',
  'adjust',
  'build_consume',
  'build_produce',
  'build_return',
  'build_cancel',
  'scrap',
  'repair',
] as const;
export type LedgerReason = (typeof LEDGER_REASONS)[number];

export interface LedgerEntry {
  id: number;
  lotCode: string;
  delta: number;
  quantityAfter: number;
  reason: LedgerReason;
  note: string | null;
  actor: string;
  buildCode: string | null;
  createdAt: Date;
}

export interface BomLine {
  partId: number;
  partCode: string;
  partName: string;
  quantityPerUnit: number;
  designators: string[];
  note: string | null;
}

export interface Project {
  id: number;
  code: string;
  name: string;
  description: string | null;
  producesPartId: number;
  producesPartCode: string;
  /** Template for formatted serials, e.g. `PX-{yy}{ww}-{seq:05}`; null = plain integers only. */
  serialFormat: string | null;
  lines: BomLine[];
  /** Null when the BOM is complete; else the lines its last import could not take. */
  bomIncomplete: BomIncomplete | null;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * A BOM that is known to lack lines: rows of the imported file that were rejected (no MPN, a
 * quantity not matching its references …), by their line number in that file. A build of it is
 * refused unless the request accepts it.
 */
export interface BomIncomplete {
  lines: { line: number; reason: string }[];
  since: Date;
}

export const OBJECT_KINDS = ['part', 'location', 'lot', 'project', 'build'] as const;
export type ObjectKind = (typeof OBJECT_KINDS)[number];

/** What an ID code points to. */
export interface CodeTarget {
  kind: ObjectKind;
  code: string;
  /** A short human description (part name, lot's part and quantity …). */
  label: string;
}
