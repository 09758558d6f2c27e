/** The pure shipment rules: numbers, what can be packed, the packing list's rows. */
import { describe, expect, it } from 'vitest';
import { RuleViolation } from '../../src/domain/errors.ts';
import {
  PACKING_LIST_COLUMNS,
  assertOpen,
  assertPackable,
  packingListRow,
  shipmentNumber,
  shownSerial,
  type Shipment,
  type ShipmentUnit,
} from '../../src/domain/shipments.ts';

const shipment: Shipment = {
  id: 123,
  number: 'SH-000123',
  customer: 'Acme',
  order: 'PO-1',
  note: null,
  status: 'open',
  count: 1,
  createdBy: 'token:station',
  createdAt: new Date(),
  shippedOn: null,
  shippedAt: null,
  shippedBy: null,
};
const unit: ShipmentUnit = {
  lotId: 9,
  code: '7K3M9Q2XAB',
  partCode: 'P0001',
  partName: 'Sensor board',
  buildCode: 'B0001',
  serial: 15,
  serialLabel: 'GLA-2650-00015',
  status: 'available',
  addedBy: 'token:station',
  addedAt: new Date(),
};

describe('shipments', () => {
  it('are numbered SH- and the id, six digits or more', () => {
    expect(shipmentNumber(123)).toBe('SH-000123');
    expect(shipmentNumber(1_234_567)).toBe('SH-1234567');
  });

  it('pack only available devices, naming the unit by its formatted serial and its status', () => {
    expect(() => assertPackable(unit)).not.toThrow();
    expect(() => assertPackable({ ...unit, status: 'quarantined' })).toThrow(RuleViolation);
    expect(() => assertPackable({ ...unit, status: 'quarantined' })).toThrow(
      /^unit GLA-2650-00015 is quarantined, not available$/,
    );
    expect(() => assertPackable({ ...unit, serialLabel: null, status: 'in_production' })).toThrow(
      'unit 7K3M9Q2XAB is in production, not available',
    );
    expect(() => assertPackable({ ...unit, serial: null, serialLabel: null })).toThrow('is not a device');
  });

  it('do not change once shipped', () => {
    expect(() => assertOpen(shipment, 'adding units')).not.toThrow();
    expect(() =>
      assertOpen({ ...shipment, status: 'shipped', shippedOn: '2026-12-07' }, 'adding units'),
    ).toThrow('shipment SH-000123 was shipped on 2026-12-07: adding units is not possible any more');
  });

  it('list a row per unit under the packing list columns, the serial shown as printed', () => {
    const row = packingListRow(shipment, unit);
    expect(row).toHaveLength(PACKING_LIST_COLUMNS.length);
    expect(Object.fromEntries(PACKING_LIST_COLUMNS.map((c, i) => [c, row[i]]))).toEqual({
      shipment: 'SH-000123',
      customer: 'Acme',
      order: 'PO-1',
      shipped_on: null,
      part: 'P0001',
      part_name: 'Sensor board',
      serial: 15,
      formatted_serial: 'GLA-2650-00015',
      device: '7K3M9Q2XAB',
      build: 'B0001',
    });
    expect(shownSerial(unit)).toBe('GLA-2650-00015');
    expect(shownSerial({ ...unit, serialLabel: null })).toBe('B0001 #15');
  });
});
