/**
 * External identifiers of a device (MAC address, IMEI, ICCID, Bluetooth address, asset tag …): given
 * to one device each, kept normalized, found again by search. Giving one and taking one off are
 * entries on the device's history (`identified`), announced as `lot.event_recorded`.
 */
import { z } from 'zod';
import { ConflictError, NotFoundError, RuleViolation, ValidationError } from '../domain/errors.ts';
import { IDENTIFIER_KIND_PATTERN, normalizeIdentifier, type LotIdentifier } from '../domain/identifiers.ts';
import type { Lot } from '../domain/types.ts';
import { defineCommand } from './define.ts';
import { findLot } from './lookup.ts';
import { recordEvents } from './timeline.ts';
import { lotRef, optionalText } from './validation.ts';

const identifierKind = z
  .string()
  .regex(
    new RegExp(IDENTIFIER_KIND_PATTERN),
    'must be a lowercase slug: a letter, then up to 29 letters, digits, _ or -',
  )
  .describe(
    '`mac`, `ble` (a Bluetooth address), `imei`, `iccid` — each checked and normalized — or any other kind (e.g. `asset_tag`), whose value is kept as typed',
  );
const identifierValue = z
  .string()
  .min(1)
  .max(200)
  .describe(
    'as typed: a MAC or Bluetooth address as aa:bb:cc:dd:ee:ff, aa-bb-…, aabb.ccdd.eeff or aabbccddeeff; an IMEI of 15 digits and an ICCID of 19–20, each with its Luhn check digit; other kinds 1–100 printable characters',
  );

/** The value as kept, or a 400 naming `value` that says what is wrong with it. */
function normalized(kind: string, value: string): string {
  const result = normalizeIdentifier(kind, value);
  if (!result.ok) throw ValidationError.field('value', result.message);
  return result.value;
}

/** How a device is named in a sentence: its code, and the serial on its label when it has one. */
const deviceName = (d: { code: string; serialLabel: string | null }) =>
  d.serialLabel ? `${d.code} (${d.serialLabel})` : d.code;

function assertIdentifiable(lot: Lot): void {
  if (lot.serial === null)
    throw new RuleViolation(
      `lot ${lot.code} is not a device (it is a lot of ${lot.quantity} of part ${lot.partCode}): identifiers are given to devices, the units of a build that tracks them`,
    );
  if (lot.status === 'cancelled')
    throw new RuleViolation(`device ${deviceName(lot)} is cancelled: it was never built`);
}

export const addIdentifier = defineCommand({
  name: 'addIdentifier',
  summary:
    'Give a device an external identifier (MAC address, IMEI, ICCID, Bluetooth address, asset tag …); giving it the same one again changes nothing',
  role: 'operator',
  mode: 'write',
  input: z.strictObject({ code: lotRef, kind: identifierKind, value: identifierValue }),
  async run({ repos, actor }, input): Promise<{ identifier: LotIdentifier; created: boolean }> {
    const value = normalized(input.kind, input.value);
    const device = await findLot(repos, 'code', input.code, { lock: true });
    assertIdentifiable(device);
    const { identifier, created } = await repos.identifiers.add({
      lotId: device.id,
      kind: input.kind,
      value,
      createdBy: actor.name,
    });
    if (identifier.lotId !== device.id)
      throw new ConflictError(
        `${input.kind} ${value} is already an identifier of device ${deviceName({ code: identifier.lotCode, serialLabel: identifier.serialLabel })}; remove it there first`,
        { device: identifier.lotCode, serialLabel: identifier.serialLabel },
      );
    if (created)
      await recordEvents(repos, actor, [
        {
          lot: device,
          event: {
            kind: 'identified',
            data: { action: 'added', identifier: input.kind, value, reason: null },
          },
        },
      ]);
    return { identifier, created };
  },
});

export const removeIdentifier = defineCommand({
  name: 'removeIdentifier',
  summary: 'Take an external identifier off a device (a module swapped, a tag replaced), with the reason',
  role: 'operator',
  mode: 'write',
  input: z.strictObject({
    code: lotRef,
    kind: identifierKind,
    value: identifierValue,
    reason: optionalText(500).describe('why it was taken off; kept on the device’s history'),
  }),
  async run({ repos, actor }, input): Promise<LotIdentifier> {
    const value = normalized(input.kind, input.value);
    const device = await findLot(repos, 'code', input.code, { lock: true });
    const identifier = await repos.identifiers.find(input.kind, value);
    if (!identifier || identifier.lotId !== device.id)
      throw new NotFoundError(
        'identifier',
        `${input.kind} ${value}`,
        `device ${deviceName(device)} has no identifier ${input.kind} ${value}`,
        'value',
      );
    await repos.identifiers.remove(identifier.id);
    await recordEvents(repos, actor, [
      {
        lot: device,
        event: {
          kind: 'identified',
          data: { action: 'removed', identifier: input.kind, value, reason: input.reason ?? null },
        },
      },
    ]);
    return identifier;
  },
});

export const listIdentifiers = defineCommand({
  name: 'listIdentifiers',
  summary: "A device's external identifiers, by kind",
  role: 'viewer',
  mode: 'read',
  reads: 'replica',
  input: z.strictObject({ code: lotRef }),
  async run({ repos }, { code }): Promise<{ items: LotIdentifier[] }> {
    const lot = await findLot(repos, 'code', code);
    return { items: await repos.identifiers.listForLot(lot.id) };
  },
});
