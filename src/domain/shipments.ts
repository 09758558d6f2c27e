/**
 * Shipments: what the pack & ship station packs for one customer (and order) and sends in one go.
 *
 * Glossary
 * - **shipment** — a box (or pallet) of devices for one customer, `open` while it is packed, then
 *   `shipped` (for good: a shipped shipment does not change). Identified by a numeric id and shown
 *   by its **number**, `SH-` and the id in six or more digits (`SH-000123`); it has no ID code.
 * - **packed unit** — a device scanned into an open shipment. A device is packed in at most one
 *   open shipment at a time; once its shipment ships, the device is `shipped` and may come back
 *   (a return, a repair, a restock) and be packed again into another shipment later.
 * - **packing list** — the shipment's contents as a PDF to put in the box and as a CSV: for each
 *   unit its part, formatted serial and device ID code.
 *
 * Pure: the commands load a shipment and its units; these functions name and decide.
 */
import { RuleViolation } from './errors.ts';
import type { StockStatus } from './types.ts';

export const SHIPMENT_STATUSES = ['open', 'shipped'] as const;
export type ShipmentStatus = (typeof SHIPMENT_STATUSES)[number];

export interface Shipment {
  id: number;
  /** `SH-000123`: the id as people read and write it on a box. */
  number: string;
  customer: string;
  /** The customer's order or delivery reference. */
  order: string | null;
  note: string | null;
  status: ShipmentStatus;
  /** Units packed now (an open shipment) or shipped in it. */
  count: number;
  createdBy: string;
  createdAt: Date;
  /** The day it was shipped (YYYY-MM-DD, as given), when shipped. */
  shippedOn: string | null;
  shippedAt: Date | null;
  shippedBy: string | null;
}

/** A device packed in a shipment, with what a packing list shows of it. */
export interface ShipmentUnit {
  lotId: number;
  /** The device's ID code. */
  code: string;
  partCode: string;
  partName: string;
  buildCode: string | null;
  serial: number | null;
  serialLabel: string | null;
  status: StockStatus;
  addedBy: string;
  addedAt: Date;
}

/** `SH-000123` for id 123 (more digits once ids pass 999,999). */
export const shipmentNumber = (id: number): string => `SH-${String(id).padStart(6, '0')}`;

/** How a unit is named in refusals: its formatted serial when it has one, else its ID code. */
export const unitName = (unit: { code: string; serialLabel: string | null }): string =>
  unit.serialLabel ?? unit.code;

/** Refuses any change to a shipment that has shipped. */
export function assertOpen(shipment: Shipment, change: string): void {
  if (shipment.status !== 'open')
    throw new RuleViolation(
      `shipment ${shipment.number} was shipped${shipment.shippedOn ? ` on ${shipment.shippedOn}` : ''}: ${change} is not possible any more`,
      { shipment: shipment.number, status: shipment.status },
    );
}

/**
 * Whether a device can be packed: only an `available` device. (A returned device is shipped again
 * on its own, after its repair: `POST /lots/{code}/ship`; a station packs stock.)
 */
export function assertPackable(unit: {
  code: string;
  serial: number | null;
  serialLabel: string | null;
  status: StockStatus;
}): void {
  if (unit.serial === null)
    throw new RuleViolation(
      `lot ${unit.code} is not a device (it has no serial number): only devices are packed into shipments`,
    );
  if (unit.status !== 'available')
    throw new RuleViolation(`unit ${unitName(unit)} is ${unit.status.replaceAll('_', ' ')}, not available`, {
      unit: unit.code,
      status: unit.status,
    });
}

/**
 * The packing list CSV's columns, in order: the shipment's facts on every row (so each row stands
 * on its own in a spreadsheet), then the unit's.
 */
export const PACKING_LIST_COLUMNS = [
  'shipment',
  'customer',
  'order',
  'shipped_on',
  'part',
  'part_name',
  'serial',
  'formatted_serial',
  'device',
  'build',
] as const;

/** One packing list CSV row per unit, in packing order (see {@link PACKING_LIST_COLUMNS}). */
export const packingListRow = (shipment: Shipment, unit: ShipmentUnit): (string | number | null)[] => [
  shipment.number,
  shipment.customer,
  shipment.order,
  shipment.shippedOn,
  unit.partCode,
  unit.partName,
  unit.serial,
  unit.serialLabel,
  unit.code,
  unit.buildCode,
];

/** What a packing list shows: the shipment, its units and when the list was made. */
export interface PackingList {
  shipment: Shipment;
  units: ShipmentUnit[];
  generatedAt: Date;
}

/** Renders a packing list as a PDF (an adapter: `src/labels/packing-list.ts`). */
export type PackingListRenderer = (list: PackingList) => Promise<Uint8Array>;

/** The serial shown for a unit: its formatted serial, else its build and serial number. */
export const shownSerial = (unit: ShipmentUnit): string =>
  unit.serialLabel ?? (unit.serial === null ? '' : `${unit.buildCode ?? ''} #${unit.serial}`.trim());
