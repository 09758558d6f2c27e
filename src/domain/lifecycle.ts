/**
 * Device lifecycle: the stock statuses a device (a unit: a single-unit lot with a serial number)
 * moves through from production to end of life, and the actions that move it.
 *
 *   in_production ─(its build completes)→ available ─ship→ shipped ─return→ returned
 *   returned ─(repair or service recorded)→ restock → available, or ship → shipped again
 *   … ─scrap→ scrapped ─dispose→ disposed (also straight from available, quarantined, shipped, returned)
 *   quarantine / release from and back to the status before, as for any lot.
 *
 * "Repaired" is not a status: it is a repair (or service) event recorded on the device's history
 * while it is `returned`; that event is what lets a returned device be restocked or shipped again.
 * Lots that are not devices keep the simpler stock statuses (quarantine, release, adjust).
 *
 * Pure: the commands load the facts (status, whether repaired since the return, whether the device
 * sits inside another device) and these functions decide.
 */
import { RuleViolation } from './errors.ts';
import type { StockStatus } from './types.ts';

export const DEVICE_ACTIONS = [
  'ship',
  'return',
  'restock',
  'quarantine',
  'release',
  'scrap',
  'dispose',
] as const;
export type DeviceAction = (typeof DEVICE_ACTIONS)[number];

export const DISPOSAL_METHODS = ['recycled', 'destroyed', 'returned_to_supplier', 'other'] as const;
export type DisposalMethod = (typeof DISPOSAL_METHODS)[number];

interface Rule {
  from: readonly StockStatus[];
  /** `previous`: the status the device had before its quarantine. */
  to: StockStatus | 'previous';
  /** From these statuses, only once a repair or service was recorded after the device came back. */
  needsRepairFrom?: readonly StockStatus[];
}

/** The transition table. Every pair not listed here is refused. */
export const LIFECYCLE: Readonly<Record<DeviceAction, Rule>> = {
  ship: { from: ['available', 'returned'], to: 'shipped', needsRepairFrom: ['returned'] },
  return: { from: ['shipped'], to: 'returned' },
  restock: { from: ['returned'], to: 'available', needsRepairFrom: ['returned'] },
  quarantine: { from: ['in_production', 'available', 'returned'], to: 'quarantined' },
  release: { from: ['quarantined'], to: 'previous' },
  scrap: { from: ['in_production', 'available', 'quarantined', 'returned'], to: 'scrapped' },
  dispose: {
    from: ['available', 'quarantined', 'shipped', 'returned', 'scrapped', 'cancelled'],
    to: 'disposed',
  },
};

/** What the commands know about a device when it is asked to move. */
export interface LifecycleFacts {
  /** A repair or service event (not corrected) was recorded after the device's last return. */
  repairedSinceReturn: boolean;
  /** For `release`: the status before the quarantine (available when unknown). */
  statusBeforeQuarantine?: StockStatus | null;
  /** ID code of the device this unit sits in (a sub-assembly unit held by a device), if any. */
  heldBy?: string | null;
}

function permits(action: DeviceAction, status: StockStatus, facts: LifecycleFacts): boolean {
  const rule = LIFECYCLE[action];
  if (!rule.from.includes(status)) return false;
  if (rule.needsRepairFrom?.includes(status) && !facts.repairedSinceReturn) return false;
  return true;
}

/** The actions a device in `status` allows now, in table order. */
export function allowedActions(status: StockStatus, facts: LifecycleFacts): DeviceAction[] {
  if (facts.heldBy) return [];
  return DEVICE_ACTIONS.filter((a) => permits(a, status, facts));
}

const list = (actions: DeviceAction[]) => (actions.length > 0 ? actions.join(', ') : 'nothing');

/**
 * The status `action` moves the device to, or a RuleViolation that says why not and lists the
 * actions allowed now (also as `details.allowed`).
 */
export function deviceTransition(
  device: { code: string; status: StockStatus },
  action: DeviceAction,
  facts: LifecycleFacts,
): StockStatus {
  const allowed = allowedActions(device.status, facts);
  const refuse = (why: string): never => {
    throw new RuleViolation(`cannot ${action} device ${device.code}: ${why}; allowed now: ${list(allowed)}`, {
      deviceStatus: device.status,
      allowed,
    });
  };
  if (facts.heldBy)
    refuse(`it is inside device ${facts.heldBy} (act on that device, or take this unit out with a repair)`);
  const rule = LIFECYCLE[action];
  if (!rule.from.includes(device.status)) refuse(`it is ${device.status}`);
  if (!permits(action, device.status, facts))
    refuse(`it was returned and has no repair or service recorded since; record one first`);
  if (rule.to !== 'previous') return rule.to;
  const before = facts.statusBeforeQuarantine;
  return before && before !== 'quarantined' ? before : 'available';
}

/** Statuses in which a device can be worked on (a repair on the bench). */
export const REPAIRABLE: readonly StockStatus[] = ['in_production', 'available', 'quarantined', 'returned'];
