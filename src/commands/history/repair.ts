/**
 * Repairs: symptom, cause and action; replacements swap components or sub-assembly units of a
 * device, keeping its genealogy and stock true. The rules a replacement must follow are pure
 * (`domain/repair.ts`); this looks the lots up, locked, and writes what the plan says.
 */
import { z } from 'zod';
import { assertRecordable } from '../../domain/history.ts';
import {
  assertNamesALot,
  assertReplaceable,
  planReplacement,
  type PlannedReplacement,
  type RemovedTo,
  type RepairContext,
} from '../../domain/repair.ts';
import type { Actor } from '../../domain/roles.ts';
import type { Lot } from '../../domain/types.ts';
import { defineCommand } from '../define.ts';
import { findLot } from '../lookup.ts';
import type { Repositories } from '../ports.ts';
import { recordStatusChange, recordEvents } from '../timeline.ts';
import { lotRef, optionalText, text } from '../validation.ts';
import { deviceView, recorded } from './items.ts';

const designator = z
  .string()
  .trim()
  .regex(/^[A-Za-z][A-Za-z0-9_.]*$/, 'is not a reference designator')
  .max(30);

const replacementInput = z.strictObject({
  removed: lotRef.optional().describe('lot or sub-assembly unit taken out'),
  installed: lotRef.optional().describe('lot or sub-assembly unit put in (taken from its stock)'),
  quantity: z.int().positive().max(100_000).default(1).describe('parts put in (1 for a unit)'),
  designators: z.array(designator).max(1_000).default([]),
  removedTo: z
    .enum(['quarantined', 'scrapped'])
    .default('quarantined')
    .describe('where a removed sub-assembly unit goes'),
});

/** Devices up the chain that hold `lot` (its holder, the holder's holder …). */
async function holders(repos: Repositories, lot: Lot): Promise<number[]> {
  const chain: number[] = [];
  let current: number = lot.id;
  for (let depth = 0; depth < 20; depth++) {
    const holder = await repos.devices.heldBy(current);
    if (!holder) break;
    chain.push(holder.id);
    current = holder.id;
  }
  return chain;
}

export const recordRepair = defineCommand({
  name: 'recordRepair',
  summary:
    'Record a repair (symptom, cause, action); components or sub-assembly units it replaced update the device genealogy and stock',
  role: 'operator',
  mode: 'write',
  input: z.strictObject({
    code: lotRef,
    symptom: text(1_000),
    cause: optionalText(1_000),
    action: text(1_000),
    notes: optionalText(2_000),
    replacements: z.array(replacementInput).max(50).default([]),
  }),
  async run({ repos, actor }, { code, symptom, cause, action, notes, replacements }) {
    const device = await findLot(repos, 'code', code, { lock: true });
    assertRecordable(deviceView(device), 'repair');
    assertReplaceable(device, replacements.length);
    const context: RepairContext = {
      device,
      components: replacements.length > 0 ? await repos.devices.components(device.id) : [],
      holders: replacements.length > 0 ? await holders(repos, device) : [],
      used: new Set<number>(),
    };
    const plan: PlannedReplacement[] = [];
    for (const [i, r] of replacements.entries()) {
      const at = `replacements.${i}`;
      assertNamesALot(at, r.removed, r.installed);
      const removed = r.removed ? await findLot(repos, `${at}.removed`, r.removed, { lock: true }) : null;
      const installed = r.installed
        ? await findLot(repos, `${at}.installed`, r.installed, { lock: true })
        : null;
      const installedHeld =
        installed !== null && installed.serial !== null && !!(await repos.devices.heldBy(installed.id));
      plan.push(planReplacement(context, { at, request: r, removed, installed, installedHeld }));
    }

    const [repair] = await recordEvents(repos, actor, [
      {
        lot: device,
        event: {
          kind: 'repair',
          data: {
            symptom,
            cause: cause ?? null,
            action,
            notes: notes ?? null,
            replacements: plan.map((p) => p.line),
          },
        },
      },
    ]);
    const ref = `repair of device ${device.code} (event ${repair!.id})`;
    for (const p of plan) {
      await repos.devices.recordChange({
        deviceLotId: device.id,
        historyEventId: repair!.id,
        partId: p.partId,
        removedLotId: p.removed?.id ?? null,
        installedLotId: p.installed?.id ?? null,
        quantity: p.quantity,
        isUnit: p.line.unit,
        designators: p.designators,
      });
      if (p.removed && p.line.unit) await takeOutUnit(repos, actor, device, p.removed, p.removedTo, ref);
      if (p.installed) {
        await repos.stock.move([
          { lotId: p.installed.id, delta: -p.quantity, reason: 'repair', note: ref, actor: actor.name },
        ]);
        const fitted = (await repos.lots.findById(p.installed.id))!;
        if (p.line.unit) {
          await repos.devices.linkUnit(device.id, p.installed.id);
          await recordEvents(repos, actor, [
            {
              lot: fitted,
              event: { kind: 'note', data: { text: `Fitted into device ${device.code} by ${ref}` } },
            },
          ]);
        }
      }
    }
    return recorded(repos, repair!);
  },
});

/** A sub-assembly unit taken out of a device goes back to stock, quarantined, or is scrapped. */
async function takeOutUnit(
  repos: Repositories,
  actor: Actor,
  device: Lot,
  unit: Lot,
  to: RemovedTo,
  ref: string,
) {
  await repos.devices.unlinkUnit(device.id, unit.id, ref);
  let current = unit;
  if (to === 'quarantined' && unit.quantity === 0) {
    await repos.stock.move([
      { lotId: unit.id, delta: 1, reason: 'repair', note: `taken out by ${ref}`, actor: actor.name },
    ]);
    current = (await repos.lots.findById(unit.id))!;
  }
  const reason = `taken out of device ${device.code} by ${ref}`;
  if (current.status === to) {
    await recordEvents(repos, actor, [{ lot: current, event: { kind: 'note', data: { text: reason } } }]);
    return;
  }
  await recordStatusChange(
    repos,
    actor,
    current,
    to,
    { kind: 'status_changed', data: { from: current.status, to, reason } },
    reason,
  );
}
