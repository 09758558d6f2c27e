import { z } from 'zod';
import { SHIPMENT_STATUSES, type Shipment, type ShipmentUnit } from '../../domain/shipments.ts';
import { STOCK_STATUSES } from '../../domain/types.ts';
import { code, timestamp, type Assert, type SameKeys } from './common.ts';

export const ShipmentUnitOut = z
  .object({
    code: code.describe("the device's ID code"),
    partCode: code,
    partName: z.string(),
    buildCode: code.nullable(),
    serial: z.int().nullable().describe('serial number within its build'),
    serialLabel: z.string().nullable().describe('formatted serial, as printed on its label'),
    status: z.enum(STOCK_STATUSES).describe("the device's status now"),
    addedBy: z.string(),
    addedAt: timestamp,
  })
  .meta({ id: 'ShipmentUnit' });

type _ShipmentUnitKeys = Assert<SameKeys<z.output<typeof ShipmentUnitOut>, ShipmentUnit, 'lotId'>>;

const shipmentFields = {
  id: z.int(),
  number: z.string().describe('SH- and the id, e.g. SH-000123: how people name the shipment'),
  customer: z.string(),
  order: z.string().nullable().describe("the customer's order or delivery reference"),
  note: z.string().nullable(),
  status: z.enum(SHIPMENT_STATUSES),
  count: z.int().min(0).describe('units packed (open) or shipped'),
  createdBy: z.string(),
  createdAt: timestamp,
  shippedOn: z.iso.date().nullable(),
  shippedAt: timestamp.nullable(),
  shippedBy: z.string().nullable(),
};

export const ShipmentOut = z.object(shipmentFields).meta({ id: 'Shipment' });

type _ShipmentKeys = Assert<SameKeys<z.output<typeof ShipmentOut>, Shipment>>;

export const ShipmentDetailOut = z
  .object({
    ...shipmentFields,
    units: z.array(ShipmentUnitOut).describe('in the order they were packed'),
    packingList: z
      .object({ pdf: z.string(), csv: z.string() })
      .describe('download paths of the packing list'),
  })
  .meta({ id: 'ShipmentDetail' });

export const ShipResultOut = ShipmentDetailOut.extend({
  already: z.boolean().describe('true when the shipment had shipped before this request: nothing was done'),
}).meta({ id: 'ShipResult' });

export const ShipmentScanOut = z
  .object({
    shipment: ShipmentOut,
    unit: ShipmentUnitOut,
    count: z.int().min(0),
    already: z
      .boolean()
      .describe('true when the unit was in this shipment already (a second scan): nothing was done'),
  })
  .meta({ id: 'ShipmentScan' });

export const ShipmentRemovalOut = z
  .object({
    shipment: ShipmentOut,
    unit: code.describe("the device's ID code"),
    count: z.int().min(0),
    removed: z.boolean().describe('false when the unit was not in the shipment: nothing was done'),
  })
  .meta({ id: 'ShipmentRemoval' });
