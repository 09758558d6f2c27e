/**
 * Repair planning: the rules a repair's replacements must follow before anything is written. A
 * replacement takes a lot or sub-assembly unit out of a device, puts one in, or both; this checks
 * each line against the device's components and the lots named, and says what to do.
 *
 * Pure: the caller looks the lots up (locked) and passes them in.
 */
import { RuleViolation, ValidationError } from './errors.ts';
import type { Replacement } from './history.ts';
import type { Lot } from './types.ts';

/** Where a sub-assembly unit taken out of a device goes. */
export type RemovedTo = 'quarantined' | 'scrapped';

/** One replacement as asked for. */
export interface ReplacementRequest {
  quantity: number;
  designators: string[];
  removedTo: RemovedTo;
}

/** What a repair needs to know of a component the device holds. */
export interface HeldComponent {
  lotId: number;
  partId: number;
  partName: string;
}

/** The device being repaired and what it holds, the same for every line of the repair. */
export interface RepairContext {
  device: Lot;
  components: readonly HeldComponent[];
  /** Devices up the chain that hold the device (its holder, the holder's holder …). */
  holders: readonly number[];
  /** Lots named by earlier lines of this repair; each line adds its own. */
  used: Set<number>;
}

/** One line, its lots looked up. */
export interface ReplacementLine {
  /** Where the line stands in the request, e.g. `replacements.0`. */
  at: string;
  request: ReplacementRequest;
  removed: Lot | null;
  installed: Lot | null;
  /** The installed lot is a unit that already sits inside a device. */
  installedHeld: boolean;
}

/** What one line of a repair does. */
export interface PlannedReplacement {
  removed: Lot | null;
  installed: Lot | null;
  quantity: number;
  designators: string[];
  removedTo: RemovedTo;
  /** The line as the repair event records it. */
  line: Replacement;
  partId: number;
}

/** Only devices (units with a serial) have their components replaced. */
export function assertReplaceable(device: Lot, replacements: number): void {
  if (replacements > 0 && device.serial === null)
    throw ValidationError.field(
      'replacements',
      `lot ${device.code} is not a device (no serial number): only devices have their components replaced`,
    );
}

/** A line must name what it takes out, what it puts in, or both (checked before any look-up). */
export function assertNamesALot(
  at: string,
  removed: string | undefined,
  installed: string | undefined,
): void {
  if (!removed && !installed) throw ValidationError.field(`${at}.removed`, 'give removed, installed or both');
}

/**
 * Checks one replacement line and plans it; records the lots it names in `context.used`. Throws a
 * ValidationError or RuleViolation naming the line's field when a rule is broken.
 */
export function planReplacement(context: RepairContext, line: ReplacementLine): PlannedReplacement {
  const { device, components, holders, used } = context;
  const { at, request: r, removed, installed } = line;
  assertNamesALot(at, removed?.code, installed?.code);
  // A part replaced by another from the same lot names it twice in one line; across lines, once.
  const named = [removed, installed].filter((l): l is Lot => l !== null);
  for (const lot of named.filter((l, k) => named.findIndex((x) => x.id === l.id) === k)) {
    if (used.has(lot.id)) throw ValidationError.field(at, `lot ${lot.code} is named twice in this repair`);
    used.add(lot.id);
  }
  if (removed && installed && removed.partId !== installed.partId)
    throw ValidationError.field(
      `${at}.installed`,
      `is of part ${installed.partCode}, but the lot taken out (${removed.code}) is of part ${removed.partCode}`,
    );
  if (removed) {
    const held = components.find((c) => c.lotId === removed.id);
    if (!held)
      throw new RuleViolation(
        `${at}.removed: ${removed.serial !== null ? 'unit' : 'lot'} ${removed.code} is not in device ${device.code}`,
      );
  }
  const isUnit = (removed ?? installed)!.serial !== null;
  if (installed) {
    if (installed.id === device.id || holders.includes(installed.id))
      throw new RuleViolation(`${at}.installed: ${installed.code} would end up inside itself`);
    if ((installed.serial !== null) !== isUnit)
      throw ValidationError.field(
        `${at}.installed`,
        isUnit
          ? 'must be a sub-assembly unit, like the one taken out'
          : 'must be a lot, like the one taken out',
      );
    if (installed.status !== 'available')
      throw new RuleViolation(`${at}.installed: ${installed.code} is ${installed.status}, not available`);
    if (isUnit && line.installedHeld)
      throw new RuleViolation(`${at}.installed: unit ${installed.code} is already inside a device`);
    const need = isUnit ? 1 : r.quantity;
    if (installed.quantity < need)
      throw new RuleViolation(
        `${at}.installed: lot ${installed.code} holds ${installed.quantity}, ${need} needed`,
      );
  }
  if (isUnit && r.quantity !== 1)
    throw ValidationError.field(`${at}.quantity`, 'must be 1 for a sub-assembly unit');
  const part = (removed ?? installed)!;
  const partName = components.find((c) => c.partId === part.partId)?.partName ?? '';
  const quantity = isUnit ? 1 : r.quantity;
  return {
    removed,
    installed,
    quantity,
    designators: r.designators,
    removedTo: r.removedTo,
    partId: part.partId,
    line: {
      part: part.partCode,
      partName,
      removed: removed?.code ?? null,
      installed: installed?.code ?? null,
      quantity,
      unit: isUnit,
      designators: r.designators,
    },
  };
}
