import { autoPrintLots } from './printing/auto.ts';
import { z } from 'zod';
import {
  applyDelta,
  assertHandleable,
  assertSplittable,
  quarantineTransition,
  releaseTransition,
} from '../domain/stock.ts';
import { STOCK_STATUSES, type Lot, type StockStatus } from '../domain/types.ts';
import type { Actor } from '../domain/roles.ts';
import { defineCommand } from './define.ts';
import { findLot, findOrFail } from './lookup.ts';
import type { NewLot, Repositories } from './ports.ts';
import { recordStatusChange } from './timeline.ts';
import { fields, flag, idCodeRef, lotRef, optionalText, pageQuery, quantity, text } from './validation.ts';

const isoDate = z.iso.date().describe('YYYY-MM-DD');

const lotData = {
  supplier: optionalText(200),
  supplierOrder: optionalText(200),
  dateCode: optionalText(50),
  expiresOn: isoDate.nullish(),
  fields: fields.optional(),
};

/** The id of the location whose ID code is given in `field`; null when none is given. */
export async function findLocationId(repos: Repositories, field: string, code: string | null | undefined) {
  if (code === null || code === undefined) return null;
  const location = await findOrFail('location', field, code, (c) => repos.locations.findByCode(c));
  return location.id;
}

async function changeStatus(
  repos: Repositories,
  actor: Actor,
  lot: Lot,
  to: StockStatus,
  reason: string | null,
) {
  // The move is on the lot's timeline too (a status_changed history event).
  const moved = await recordStatusChange(
    repos,
    actor,
    lot,
    to,
    { kind: 'status_changed', data: { from: lot.status, to, reason } },
    reason,
  );
  return moved.lot;
}

export const receiveStock = defineCommand({
  name: 'receiveStock',
  summary: 'Receive stock of a part into a new lot',
  role: 'operator',
  mode: 'write',
  input: z.strictObject({
    part: idCodeRef,
    quantity,
    location: idCodeRef.nullish(),
    source: text(50).default('purchase'),
    note: optionalText(),
    ...lotData,
  }),
  async run({ repos, actor }, { part: partCode, location, note, ...input }) {
    const part = await findOrFail('part', 'part', partCode, (c) => repos.parts.findByCode(c));
    const locationId = await findLocationId(repos, 'location', location);
    return receiveLot(repos, actor, { ...input, partId: part.id, locationId, note });
  },
});

/** A lot to receive: the part and location already found. */
export type ReceivedLot = Omit<NewLot, 'code' | 'status'> & { note?: string | null | undefined };

/**
 * Receives stock into a new, available lot: allocates its ID code, opens it with a `receive` ledger
 * entry and has the location's printer print its label when told to. The one way stock arrives from
 * outside, whichever command received it ({@link receiveStock}, `receiveSupplierScan`).
 */
export async function receiveLot(repos: Repositories, actor: Actor, input: ReceivedLot): Promise<Lot> {
  const { note, ...lot } = input;
  const [code] = await repos.idCodes.allocate(1);
  const received = await repos.stock.open({ reason: 'receive', note, actor: actor.name }, () =>
    repos.lots.insert({ ...lot, code: code!, status: 'available' }),
  );
  await autoPrintLots(repos, [received.id], lot.locationId, actor.name);
  return received;
}

export const moveLot = defineCommand({
  name: 'moveLot',
  summary: 'Move a whole lot to another location (split first to move part of it)',
  role: 'operator',
  mode: 'write',
  input: z.strictObject({ code: lotRef, location: idCodeRef }),
  async run({ repos }, { code, location }) {
    const lot = await findLot(repos, 'code', code, { lock: true });
    assertHandleable(lot, 'move');
    const locationId = await findLocationId(repos, 'location', location);
    return repos.lots.update(lot.id, { locationId });
  },
});

export const splitLot = defineCommand({
  name: 'splitLot',
  summary: 'Split part of a lot into a new lot (same part, data and status), optionally at another location',
  role: 'operator',
  mode: 'write',
  input: z.strictObject({ code: lotRef, quantity, location: idCodeRef.nullish(), note: optionalText() }),
  async run({ repos, actor }, { code, quantity: take, location, note }) {
    const parent = await findLot(repos, 'code', code, { lock: true });
    assertSplittable(parent, take);
    const locationId =
      location === undefined || location === null
        ? parent.locationId
        : await findLocationId(repos, 'location', location);
    applyDelta(parent, -take);
    const [childCode] = await repos.idCodes.allocate(1);
    await repos.stock.move([
      {
        lotId: parent.id,
        delta: -take,
        reason: 'split',
        note: note ?? `split into ${childCode!}`,
        actor: actor.name,
      },
    ]);
    const child = await repos.stock.open(
      { reason: 'split', note: note ?? `split from ${parent.code}`, actor: actor.name },
      () =>
        repos.lots.insert({
          code: childCode!,
          partId: parent.partId,
          locationId,
          quantity: take,
          status: parent.status,
          source: 'split',
          supplier: parent.supplier,
          supplierOrder: parent.supplierOrder,
          dateCode: parent.dateCode,
          expiresOn: parent.expiresOn,
          fields: parent.fields,
          parentLotId: parent.id,
        }),
    );
    return { parent: (await repos.lots.findById(parent.id))!, lot: child };
  },
});

export const adjustLot = defineCommand({
  name: 'adjustLot',
  summary: 'Correct the quantity of a lot (a count, loss or find), with a reason',
  role: 'operator',
  mode: 'write',
  input: z.strictObject({
    code: lotRef,
    delta: z
      .int()
      .min(-1_000_000_000)
      .max(1_000_000_000)
      .refine((d) => d !== 0, 'must not be 0')
      .meta({ not: { const: 0 } }),
    reason: text(500),
  }),
  async run({ repos, actor }, { code, delta, reason }) {
    const lot = await findLot(repos, 'code', code, { lock: true });
    assertHandleable(lot, 'adjust');
    applyDelta(lot, delta);
    await repos.stock.move([{ lotId: lot.id, delta, reason: 'adjust', note: reason, actor: actor.name }]);
    return (await repos.lots.findById(lot.id))!;
  },
});

export const quarantineLot = defineCommand({
  name: 'quarantineLot',
  summary: 'Quarantine a lot: keep it from being used until released',
  role: 'operator',
  mode: 'write',
  input: z.strictObject({ code: lotRef, reason: text(500) }),
  async run({ repos, actor }, { code, reason }) {
    const lot = await findLot(repos, 'code', code, { lock: true });
    return changeStatus(repos, actor, lot, quarantineTransition(lot), reason);
  },
});

export const releaseLot = defineCommand({
  name: 'releaseLot',
  summary: 'Release a quarantined lot back to the status it had before',
  role: 'operator',
  mode: 'write',
  input: z.strictObject({ code: lotRef, reason: optionalText(500) }),
  async run({ repos, actor }, { code, reason }) {
    const lot = await findLot(repos, 'code', code, { lock: true });
    const to = releaseTransition(lot, await repos.lots.statusBeforeQuarantine(lot.id));
    return changeStatus(repos, actor, lot, to, reason ?? null);
  },
});

export const updateLot = defineCommand({
  name: 'updateLot',
  summary: "Change a lot's supplier data, date code, expiry or free fields",
  role: 'operator',
  mode: 'write',
  input: z.strictObject({ code: lotRef, ...lotData }),
  async run({ repos }, { code, ...patch }) {
    const lot = await findLot(repos, 'code', code, { lock: true });
    return repos.lots.update(lot.id, patch);
  },
});

export const getLot = defineCommand({
  name: 'getLot',
  summary: 'Show a lot',
  role: 'viewer',
  mode: 'read',
  input: z.strictObject({ code: lotRef }),
  run: ({ repos }, { code }) => findLot(repos, 'code', code),
});

export const listLots = defineCommand({
  name: 'listLots',
  summary:
    'List lots, optionally of one part, at one location, with one status or one formatted serial, or only devices; lots of quantity 0 only when asked for',
  role: 'viewer',
  mode: 'read',
  reads: 'replica',
  input: pageQuery.extend({
    part: idCodeRef.optional(),
    location: idCodeRef.optional(),
    status: z.enum(STOCK_STATUSES).optional(),
    serial: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .optional()
      .describe("a device's formatted serial, as printed on its label (any case)"),
    devices: flag
      .optional()
      .describe('only devices (lots with a serial number: the units of tracked builds); default false'),
    empty: flag
      .optional()
      .describe(
        'also lots of quantity 0 (consumed, fitted or emptied); default false, except for the statuses whose lots hold nothing (scrapped, disposed, cancelled)',
      ),
  }),
  async run({ repos }, { limit, cursor, part, location, status, serial, devices, empty }) {
    const partId = part
      ? (await findOrFail('part', 'part', part, (c) => repos.parts.findByCode(c))).id
      : undefined;
    const locationId = location
      ? ((await findLocationId(repos, 'location', location)) ?? undefined)
      : undefined;
    const holdsNothing = status === 'scrapped' || status === 'disposed' || status === 'cancelled';
    return repos.lots.list(
      { partId, locationId, status, serialLabel: serial, devices, empty: empty ?? holdsNothing },
      { limit, cursor },
    );
  },
});

export const getLotLedger = defineCommand({
  name: 'getLotLedger',
  summary: "A lot's stock ledger: every quantity change, oldest first",
  role: 'viewer',
  mode: 'read',
  input: pageQuery.extend({ code: lotRef }),
  async run({ repos }, { code, limit, cursor }) {
    const lot = await findLot(repos, 'code', code);
    return repos.ledger.listForLot(lot.id, { limit, cursor });
  },
});
