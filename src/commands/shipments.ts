/**
 * Shipments, the pack & ship station's use cases: open a shipment for a customer, scan devices into
 * it (and out again), then ship it — every device through the same `ship` move as `shipDevice`, the
 * shipment marked shipped and `shipment.created` announced, in one transaction. The rules are in
 * `src/domain/shipments.ts`; the packing list is `./packing-list.ts`.
 */
import { z } from 'zod';
import { ConflictError, NotFoundError, RuleViolation } from '../domain/errors.ts';
import type { NewEvent } from '../domain/events.ts';
import type { Actor } from '../domain/roles.ts';
import {
  SHIPMENT_STATUSES,
  assertOpen,
  assertPackable,
  unitName,
  type Shipment,
  type ShipmentUnit,
} from '../domain/shipments.ts';
import { defineCommand } from './define.ts';
import { day, shipOne, today } from './lifecycle.ts';
import { findLot } from './lookup.ts';
import type { Repositories } from './ports.ts';
import { lotRef, numericId, optionalText, pageQuery, text } from './validation.ts';

/** The shipment with this id, or a 404 naming `field`. */
export async function findShipment(
  repos: Repositories,
  id: number,
  options: { lock?: boolean; field?: string } = {},
): Promise<Shipment> {
  const found = await repos.shipments.findById(id, { lock: options.lock });
  if (!found)
    throw new NotFoundError(
      'shipment',
      String(id),
      `shipment ${id} does not exist`,
      options.field ?? 'shipment',
    );
  return found;
}

/** A shipment with its units, in packing order. */
async function withUnits(repos: Repositories, shipment: Shipment) {
  return { ...shipment, units: await repos.shipments.units(shipment.id) };
}

const shipmentId = numericId.describe('the shipment (its id: SH-000123 is shipment 123)');
const unitRef = lotRef.describe(
  'the device: its ID code, or its formatted serial as printed on its label (any case), as a scanner reads it',
);

export const openShipment = defineCommand({
  name: 'openShipment',
  summary: 'Open a shipment for a customer (and order), to scan devices into',
  role: 'operator',
  mode: 'write',
  input: z.strictObject({
    customer: text(200),
    order: text(100).optional().describe("the customer's order or delivery reference"),
    note: optionalText(1_000),
  }),
  async run({ repos, actor }, { customer, order, note }) {
    const shipment = await repos.shipments.insert({
      customer,
      order: order ?? null,
      note: note ?? null,
      createdBy: actor.name,
    });
    return { ...shipment, units: [] as ShipmentUnit[] };
  },
});

export const addToShipment = defineCommand({
  name: 'addToShipment',
  summary:
    'Scan a device into an open shipment (an available device, in no other open shipment; scanning it twice is harmless)',
  role: 'operator',
  mode: 'write',
  input: z.strictObject({ shipment: shipmentId, unit: unitRef }),
  async run({ repos, actor }, { shipment: id, unit: ref }) {
    const shipment = await findShipment(repos, id, { lock: true });
    assertOpen(shipment, 'adding units');
    // Locked: two stations scanning the same device into two shipments take turns.
    const device = await findLot(repos, 'unit', ref, { lock: true });
    const packed = await repos.shipments.packedIn(device.id);
    if (packed?.id === shipment.id) {
      const unit = (await repos.shipments.findUnit(shipment.id, device.id))!;
      return { shipment, unit, count: shipment.count, already: true };
    }
    assertPackable(device);
    if (packed)
      throw new ConflictError(
        `unit ${unitName(device)} is already packed in shipment ${packed.number} (for ${packed.customer}): take it out of that shipment first`,
        { shipment: packed.id, number: packed.number },
      );
    const holder = await repos.devices.heldBy(device.id);
    if (holder)
      throw new RuleViolation(
        `unit ${unitName(device)} is inside device ${holder.code}: ship that device, or take this unit out with a repair`,
      );
    await repos.shipments.addUnit(shipment.id, device.id, actor.name);
    const unit = (await repos.shipments.findUnit(shipment.id, device.id))!;
    return {
      shipment: { ...shipment, count: shipment.count + 1 },
      unit,
      count: shipment.count + 1,
      already: false,
    };
  },
});

export const removeFromShipment = defineCommand({
  name: 'removeFromShipment',
  summary: 'Take a device out of an open shipment (a device not in it is answered with removed: false)',
  role: 'operator',
  mode: 'write',
  input: z.strictObject({ shipment: shipmentId, unit: unitRef }),
  async run({ repos, actor }, { shipment: id, unit: ref }) {
    const shipment = await findShipment(repos, id, { lock: true });
    assertOpen(shipment, 'taking units out');
    const device = await findLot(repos, 'unit', ref);
    const removed = await repos.shipments.removeUnit(shipment.id, device.id, actor.name);
    const count = shipment.count - (removed ? 1 : 0);
    return { shipment: { ...shipment, count }, unit: device.code, count, removed };
  },
});

/** The `shipment.created` event: everything a receiver with no other context needs. */
function shipmentShipped(shipment: Shipment, units: ShipmentUnit[], actor: Actor): NewEvent {
  return {
    type: 'shipment.created',
    stream: `shipment:${shipment.id}`,
    data: {
      shipment: shipment.id,
      number: shipment.number,
      customer: shipment.customer,
      order: shipment.order,
      note: shipment.note,
      units: units.map((u) => ({
        code: u.code,
        serial: u.serial,
        serialLabel: u.serialLabel,
        part: u.partCode,
        partName: u.partName,
        build: u.buildCode,
      })),
      count: units.length,
      shippedOn: shipment.shippedOn,
      shippedAt: shipment.shippedAt?.toISOString() ?? null,
      actor: actor.name,
    },
  };
}

export const shipShipment = defineCommand({
  name: 'shipShipment',
  summary:
    'Ship an open shipment: every device in it shipped to its customer, the shipment closed, `shipment.created` announced; a shipped shipment is answered as it is',
  role: 'operator',
  mode: 'write',
  input: z.strictObject({ shipment: shipmentId, shippedOn: day.optional() }),
  async run({ repos, actor }, { shipment: id, shippedOn }) {
    const shipment = await findShipment(repos, id, { lock: true });
    if (shipment.status === 'shipped') return { ...(await withUnits(repos, shipment)), already: true };
    const units = await repos.shipments.units(shipment.id);
    if (units.length === 0)
      throw new RuleViolation(`shipment ${shipment.number} is empty: scan units into it before shipping it`);
    const blocked = units.filter((u) => u.status !== 'available');
    if (blocked.length > 0)
      throw new RuleViolation(
        `shipment ${shipment.number} cannot ship: ${blocked
          .slice(0, 10)
          .map((u) => `unit ${unitName(u)} is ${u.status.replaceAll('_', ' ')}, not available`)
          .join(
            '; ',
          )}${blocked.length > 10 ? ` (and ${blocked.length - 10} more)` : ''}; take them out or make them available first`,
        { units: blocked.map((u) => ({ code: u.code, serialLabel: u.serialLabel, status: u.status })) },
      );
    const on = shippedOn ?? today();
    const consignment = {
      customer: shipment.customer,
      order: shipment.order,
      shippedOn: on,
      note: shipment.note,
      shipment: { id: shipment.id, number: shipment.number },
    };
    for (const unit of units) await shipOne(repos, actor, unit.code, consignment, 'unit');
    const shipped = await repos.shipments.markShipped(shipment.id, { shippedOn: on, shippedBy: actor.name });
    const after = await repos.shipments.units(shipment.id);
    await repos.events.append([shipmentShipped(shipped, after, actor)]);
    return { ...shipped, units: after, already: false };
  },
});

export const getShipment = defineCommand({
  name: 'getShipment',
  summary: 'Show a shipment and its units, in packing order',
  role: 'viewer',
  mode: 'read',
  input: z.strictObject({ shipment: shipmentId }),
  run: async ({ repos }, { shipment: id }) => withUnits(repos, await findShipment(repos, id)),
});

export const listShipments = defineCommand({
  name: 'listShipments',
  summary: 'List shipments, oldest first, optionally open or shipped ones, or those of one customer',
  role: 'viewer',
  mode: 'read',
  reads: 'replica',
  input: pageQuery.extend({
    status: z.enum(SHIPMENT_STATUSES).optional(),
    customer: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .optional()
      .describe('customers whose name contains this text (any case)'),
  }),
  run: ({ repos }, { limit, cursor, status, customer }) =>
    repos.shipments.list({ limit, cursor }, { status, customer }),
});
