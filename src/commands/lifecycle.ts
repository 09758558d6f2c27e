/**
 * Device lifecycle use cases: ship, return, restock, scrap and dispose a device (quarantine and
 * release are the lot commands). The transition table is `src/domain/lifecycle.ts`; each move
 * writes its history event (`shipped`, `returned`, `disposed` or `status_changed`) with
 * `lot.status_changed` and `lot.event_recorded`, in one transaction.
 */
import { z } from 'zod';
import { RuleViolation } from '../domain/errors.ts';
import {
  DISPOSAL_METHODS,
  LIFECYCLE,
  allowedActions,
  deviceTransition,
  type DeviceAction,
  type LifecycleFacts,
} from '../domain/lifecycle.ts';
import type { Actor } from '../domain/roles.ts';
import type { Lot } from '../domain/types.ts';
import { countScrapped, scrapBuildUnits } from './builds/scrap.ts';
import { defineCommand } from './define.ts';
import { findLot } from './lookup.ts';
import type { Repositories } from './ports.ts';
import { recordStatusChange } from './timeline.ts';
import { lotRef, optionalText, text } from './validation.ts';

export const day = z.iso.date().describe('YYYY-MM-DD (default: today)');
export const today = () => new Date().toISOString().slice(0, 10);

/** The device named by `ref` (given in `field`), locked, with the facts the transition table needs. */
async function loadDevice(
  repos: Repositories,
  ref: string,
  field = 'code',
): Promise<{ device: Lot; facts: LifecycleFacts }> {
  const device = await findLot(repos, field, ref, { lock: true });
  if (device.serial === null)
    throw new RuleViolation(
      `lot ${device.code} is not a device (it has no serial number); lots keep the stock statuses — quarantine, release, adjust`,
    );
  return { device, facts: await lifecycleFactsOf(repos, device) };
}

/**
 * The facts the transition table needs about `lot`, asking only those its status makes matter: a
 * repair since the last return only of a returned device, the status before a quarantine only of a
 * quarantined lot, the device holding it only of a device (unit links join serialized units). One
 * after the other: inside a transaction they share one connection.
 */
export async function lifecycleFactsOf(repos: Repositories, lot: Lot): Promise<LifecycleFacts> {
  const repairedSinceReturn = lot.status === 'returned' && (await repos.history.repairedSinceReturn(lot.id));
  const holder = lot.serial !== null ? await repos.devices.heldBy(lot.id) : null;
  const statusBeforeQuarantine =
    lot.status === 'quarantined' ? await repos.lots.statusBeforeQuarantine(lot.id) : null;
  return { repairedSinceReturn, heldBy: holder?.code ?? null, statusBeforeQuarantine };
}

/** A lot's status and the lifecycle actions it allows now (what `getDeviceLifecycle` answers). */
export async function lifecycleOf(repos: Repositories, lot: Lot) {
  const isDevice = lot.serial !== null;
  const facts = await lifecycleFactsOf(repos, lot);
  const allowed = isDevice
    ? allowedActions(lot.status, facts)
    : (['quarantine', 'release'] as DeviceAction[]).filter((a) =>
        (LIFECYCLE[a].from as readonly string[]).includes(lot.status),
      );
  return {
    code: lot.code,
    status: lot.status,
    isDevice,
    heldBy: facts.heldBy ?? null,
    statusBeforeQuarantine:
      lot.status === 'quarantined' ? (facts.statusBeforeQuarantine ?? 'available') : null,
    repairedSinceReturn: lot.status === 'returned' ? facts.repairedSinceReturn : null,
    allowed,
  };
}

async function move(
  repos: Repositories,
  actor: Actor,
  code: string,
  action: DeviceAction,
  build: (device: Lot) => { event: Parameters<typeof recordStatusChange>[4]; reason: string | null },
) {
  const { device, facts } = await loadDevice(repos, code);
  const to = deviceTransition(device, action, facts);
  const { event, reason } = build(device);
  const moved = await recordStatusChange(repos, actor, device, to, event, reason);
  return { lot: moved.lot, event: moved.event.id };
}

/** Where and how a device is shipped: what its `shipped` history event records. */
export interface Consignment {
  customer: string;
  order: string | null;
  /** YYYY-MM-DD. */
  shippedOn: string;
  note: string | null;
  /** The shipment it goes out in (its number), when shipped with one. */
  shipment?: { id: number; number: string };
}

/**
 * Ships one device: the `ship` transition, its `shipped` history event, `lot.status_changed` and
 * `lot.event_recorded`, in the caller's transaction. A device packed in an open shipment ships with
 * that shipment only (`shipShipment` names it in `consignment.shipment`).
 */
export async function shipOne(
  repos: Repositories,
  actor: Actor,
  ref: string,
  consignment: Consignment,
  field = 'code',
): Promise<{ lot: Lot; event: number }> {
  const { device, facts } = await loadDevice(repos, ref, field);
  const to = deviceTransition(device, 'ship', facts);
  const packed = await repos.shipments.packedIn(device.id);
  if (packed && packed.id !== consignment.shipment?.id)
    throw new RuleViolation(
      `device ${device.code} is packed in shipment ${packed.number} (for ${packed.customer}): ship that shipment, or take the device out of it first`,
      { shipment: packed.id },
    );
  const { customer, order, shippedOn, note, shipment } = consignment;
  const moved = await recordStatusChange(
    repos,
    actor,
    device,
    to,
    {
      kind: 'shipped',
      data: {
        from: device.status,
        customer,
        order,
        shippedOn,
        note,
        ...(shipment ? { shipment: shipment.number } : {}),
      },
    },
    `shipped to ${customer}${order ? ` (order ${order})` : ''}${shipment ? ` in shipment ${shipment.number}` : ''}`,
  );
  return { lot: moved.lot, event: moved.event.id };
}

export const shipDevice = defineCommand({
  name: 'shipDevice',
  summary: 'Ship a device to a customer (from available, or again after a return and a repair)',
  role: 'operator',
  mode: 'write',
  input: z.strictObject({
    code: lotRef,
    customer: text(200),
    order: text(100).optional().describe('order or delivery reference'),
    shippedOn: day.optional(),
    note: optionalText(1_000),
  }),
  run: ({ repos, actor }, { code, customer, order, shippedOn, note }) =>
    shipOne(repos, actor, code, {
      customer,
      order: order ?? null,
      shippedOn: shippedOn ?? today(),
      note: note ?? null,
    }),
});

export const returnDevice = defineCommand({
  name: 'returnDevice',
  summary: 'Receive a shipped device back under an RMA number, with the reason',
  role: 'operator',
  mode: 'write',
  input: z.strictObject({
    code: lotRef,
    rma: text(100).describe('return merchandise authorization number'),
    reason: text(1_000),
    receivedOn: day.optional(),
  }),
  run: ({ repos, actor }, { code, rma, reason, receivedOn }) =>
    move(repos, actor, code, 'return', () => ({
      event: { kind: 'returned', data: { rma, reason, receivedOn: receivedOn ?? today() } },
      reason: `RMA ${rma}: ${reason}`,
    })),
});

export const restockDevice = defineCommand({
  name: 'restockDevice',
  summary: 'Put a returned device back in stock (available) once a repair or service is recorded',
  role: 'operator',
  mode: 'write',
  input: z.strictObject({ code: lotRef, note: optionalText(1_000) }),
  run: ({ repos, actor }, { code, note }) =>
    move(repos, actor, code, 'restock', (device) => ({
      event: {
        kind: 'status_changed',
        data: { from: device.status, to: 'available', reason: note ?? 'restocked after repair' },
      },
      reason: note ?? 'restocked after repair',
    })),
});

export const scrapDevice = defineCommand({
  name: 'scrapDevice',
  summary: 'Scrap a device, with a reason (a unit still in production is scrapped through its build)',
  role: 'operator',
  mode: 'write',
  input: z.strictObject({ code: lotRef, reason: text(1_000) }),
  async run(ctx, { code, reason }) {
    const { repos, actor } = ctx;
    const { device, facts } = await loadDevice(repos, code);
    deviceTransition(device, 'scrap', facts);
    const buildsBusiness =
      device.status === 'in_production' ||
      (device.status === 'quarantined' && facts.statusBeforeQuarantine === 'in_production');
    if (buildsBusiness && device.buildId !== null) {
      // The build counts its scrapped units: it scraps this one and records the history.
      const build = (await repos.builds.findById(device.buildId, { lock: true }))!;
      const { events } = await scrapBuildUnits(repos, actor, build, [device.serial!], reason);
      return { lot: (await repos.lots.findByCode(device.code))!, event: events.get(device.serial!)! };
    }
    const moved = await recordStatusChange(
      repos,
      actor,
      device,
      'scrapped',
      { kind: 'status_changed', data: { from: device.status, to: 'scrapped', reason } },
      reason,
    );
    // A completed unit scrapped later moves from its build's completed units to its scrapped ones.
    if (device.buildId !== null) {
      const build = (await repos.builds.findById(device.buildId, { lock: true }))!;
      await repos.events.append(
        await countScrapped(repos, build, { fromProduction: 0, fromStock: 1, actor: actor.name }),
      );
    }
    return { lot: moved.lot, event: moved.event.id };
  },
});

export const disposeDevice = defineCommand({
  name: 'disposeDevice',
  summary:
    'End of life: record how a device was disposed of (recycled, destroyed …), with an optional certificate',
  role: 'operator',
  mode: 'write',
  input: z.strictObject({
    code: lotRef,
    method: z.enum(DISPOSAL_METHODS),
    certificate: text(200)
      .optional()
      .describe('certificate of recycling or destruction (number or reference)'),
    note: optionalText(1_000),
  }),
  run: ({ repos, actor }, { code, method, certificate, note }) =>
    move(repos, actor, code, 'dispose', (device) => ({
      event: {
        kind: 'disposed',
        data: { from: device.status, method, certificate: certificate ?? null, note: note ?? null },
      },
      reason: `${method.replaceAll('_', ' ')}${certificate ? `, certificate ${certificate}` : ''}`,
    })),
});

export const getDeviceLifecycle = defineCommand({
  name: 'getDeviceLifecycle',
  summary: "A device's status and the lifecycle actions it allows now",
  role: 'viewer',
  mode: 'read',
  input: z.strictObject({ code: lotRef }),
  run: async ({ repos }, { code }) => lifecycleOf(repos, await findLot(repos, 'code', code)),
});
