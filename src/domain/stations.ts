/**
 * The scan stations' rules (#17), as data and pure functions: which step of its flow a scan is, what
 * the station waits for afterwards, what the install step records, and which identifier a scanned
 * value is. The use case that runs a scan is `recordStationScan` (src/commands/stations.ts); what a
 * station remembers between scans (its settings, a pending first scan, the tally) is
 * {@link StationState} in ./sessions.ts.
 *
 * Glossary:
 * - **one-scan flows** (test, ship, receive): every scan is a whole step.
 * - **two-scan flows** (install: a module, then the device it goes into; identify: a unit, then its
 *   identifier): the first scan is kept as the station's *pending* scan, the second completes the
 *   step and clears it. A refused scan changes nothing, so a refused second scan keeps the first.
 */
import { ValidationError } from './errors.ts';
import { guessIdentifierKind } from './identifiers.ts';
import type { StationFlow, StationState } from './sessions.ts';
import { parseMeasurements } from './slack-commands.ts';

/** The first half of a two-scan step: the object scanned, and how the station names it. */
export type PendingScan = NonNullable<StationState['pending']>;

/** What a scan is at a station, given the scan it waits to complete. */
export type StationStep =
  | { flow: 'test' | 'ship' | 'receive'; step: 'one' }
  | { flow: 'install'; step: 'module' }
  | { flow: 'install'; step: 'device'; module: PendingScan }
  | { flow: 'identify'; step: 'unit' }
  | { flow: 'identify'; step: 'identifier'; unit: PendingScan };

/** The step a scan makes at a station of `flow` waiting for `pending` (null: waiting for nothing). */
export function stationStep(flow: StationFlow, pending: PendingScan | null): StationStep {
  switch (flow) {
    case 'install':
      return pending ? { flow, step: 'device', module: pending } : { flow, step: 'module' };
    case 'identify':
      return pending ? { flow, step: 'identifier', unit: pending } : { flow, step: 'unit' };
    default:
      return { flow, step: 'one' };
  }
}

/**
 * What the station waits for after a step was done: a first scan is kept (`scanned`), a second
 * completes the step and clears it; a one-scan flow leaves it as it was.
 */
export function pendingAfter(
  step: StationStep,
  scanned: PendingScan,
  before: PendingScan | null,
): PendingScan | null {
  switch (step.step) {
    case 'module':
    case 'unit':
      return scanned;
    case 'device':
    case 'identifier':
      return null;
    case 'one':
      return before;
  }
}

/** The install station's modes (a setting): an assembly step on the line, or a repair. */
export type InstallMode = 'assembly' | 'repair';
export const installMode = (setting: string | undefined): InstallMode =>
  setting === 'repair' ? 'repair' : 'assembly';

/** What fitting a module records on the device: a repair whose replacement installs the module. */
export function installRepair(mode: InstallMode, module: PendingScan) {
  return {
    symptom: mode === 'assembly' ? 'assembly step' : 'module replaced at the repair station',
    action: `fitted ${module.label}`,
    replacements: [{ installed: module.code, quantity: 1 }],
  };
}

/**
 * The identifier kind a scanned value is stored as: the station's setting when it names one,
 * otherwise what the value looks like (a MAC address, an IMEI, an ICCID), or null when that cannot
 * be told.
 */
export function identifierKindFor(setting: string | undefined, value: string): string | null {
  if (setting) return setting;
  return guessIdentifierKind(value);
}

/**
 * Refuses settings a station of `flow` cannot scan with, naming the field: a test station needs its
 * test, and measurements it can read (`vout=3.31, fw=1.4.2`).
 */
export function assertStationSettings(flow: StationFlow, settings: Record<string, string>): void {
  if (flow !== 'test') return;
  if (!settings.test) throw ValidationError.field('test', 'is required: the test this station records');
  const measured = parseMeasurements(settings.measurements ?? '');
  if (!measured.ok) throw ValidationError.field('measurements', measured.problem);
}
