/**
 * History events: the timeline of a lot — above all of a device — from production through test,
 * sale, service and repair to end of life.
 *
 * Glossary
 * - **history event**: one entry on a lot's timeline, of one kind (below), with its data, the actor
 *   who recorded it and when. Append-only: nothing is ever changed or deleted.
 * - **correction**: a later event of kind `correction` that refers to the one it corrects
 *   (`corrects`), with the reason and, optionally, the corrected details. A corrected test result
 *   no longer counts towards required tests; a corrected status change still happened (move the
 *   device again to undo it).
 * - **test result**: a test station's verdict on a lot (pass/fail), with measurements, station,
 *   operator and start/finish times.
 * - **required test**: a test a project's units must pass before they may be completed; failing one
 *   quarantines the unit.
 * - **identified**: an external identifier (MAC address, IMEI …, see `identifiers.ts`) given to the
 *   device or taken from it.
 *
 * Pure: summaries and rules only.
 */
import { RuleViolation } from './errors.ts';
import { REPAIRABLE } from './lifecycle.ts';
import type { StockStatus } from './types.ts';

export const HISTORY_KINDS = [
  'note',
  'test_result',
  'repair',
  'service',
  'status_changed',
  'shipped',
  'returned',
  'disposed',
  'correction',
  'identified',
] as const;
export type HistoryKind = (typeof HISTORY_KINDS)[number];

/** Kinds a person records directly; the others are written by lifecycle moves. */
export const RECORDABLE_KINDS = ['note', 'test_result', 'repair', 'service'] as const;

/** Measurements a test station reports: name → number or text (units in the name, e.g. `vcc_mV`). */
export type Measurements = Record<string, number | string>;

export interface NoteData {
  text: string;
}
export interface TestResultData {
  test: string;
  passed: boolean;
  measurements: Measurements;
  station: string | null;
  operator: string;
  notes: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  /** The unit's project requires this test. */
  required: boolean;
  /** The failure quarantined the unit. */
  quarantined: boolean;
}
export interface Replacement {
  part: string;
  partName: string;
  /** Lot or unit taken out (ID code), if any. */
  removed: string | null;
  /** Lot or unit put in (ID code), if any. */
  installed: string | null;
  quantity: number;
  /** A serialized sub-assembly unit (the swap changed the device's unit links). */
  unit: boolean;
  designators: string[];
}
export interface RepairData {
  symptom: string;
  cause: string | null;
  action: string;
  notes: string | null;
  replacements: Replacement[];
}
export interface ServiceData {
  description: string;
  notes: string | null;
}
export interface StatusChangedData {
  from: StockStatus;
  to: StockStatus;
  reason: string | null;
  /** Completion of a unit without its required passing tests, forced with a reason. */
  forced?: boolean;
  missingTests?: string[];
}
export interface ShippedData {
  from: StockStatus;
  customer: string;
  order: string | null;
  shippedOn: string;
  note: string | null;
  /** The shipment it went out in (`SH-000123`), when shipped with one. */
  shipment?: string;
}
export interface ReturnedData {
  rma: string;
  reason: string;
  receivedOn: string;
}
export interface DisposedData {
  from: StockStatus;
  method: string;
  certificate: string | null;
  note: string | null;
}
export interface CorrectionData {
  reason: string;
  /** Corrected values of the event's fields, e.g. `{ customer: "Acme GmbH" }`. */
  details: Record<string, string | number | boolean | null>;
  /** Kind of the corrected event. */
  correctsKind: HistoryKind;
}

export interface IdentifiedData {
  action: 'added' | 'removed';
  /** The identifier's kind (`mac`, `imei`, `asset_tag` …). */
  identifier: string;
  /** Its value as normalized. */
  value: string;
  /** Why it was taken off (removals only). */
  reason: string | null;
}

export interface HistoryDataByKind {
  note: NoteData;
  test_result: TestResultData;
  repair: RepairData;
  service: ServiceData;
  status_changed: StatusChangedData;
  shipped: ShippedData;
  returned: ReturnedData;
  disposed: DisposedData;
  correction: CorrectionData;
  identified: IdentifiedData;
}

/** A new history event, before it is stored. */
export type NewHistoryEvent = {
  [K in HistoryKind]: { kind: K; data: HistoryDataByKind[K]; corrects?: number | null };
}[HistoryKind];

export interface HistoryEvent {
  id: number;
  lotId: number;
  lotCode: string;
  kind: HistoryKind;
  data: Record<string, unknown>;
  actor: string;
  occurredAt: Date;
  /** The event this one corrects (corrections only). */
  corrects: number | null;
  /** Corrections recorded against this event, oldest first. */
  correctedBy: number[];
}

const text = (v: unknown) => (v === null || v === undefined ? '' : String(v));
const clip = (s: string, max = 160) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

/** How an identifier kind reads in a sentence: the well-known ones as people write them. */
function identifierName(kind: string): string {
  const names: Record<string, string> = {
    mac: 'MAC',
    ble: 'Bluetooth address',
    imei: 'IMEI',
    iccid: 'ICCID',
  };
  return names[kind] ?? kind.replaceAll('_', ' ');
}

function replacementLine(r: Partial<Replacement>): string {
  const what = r.partName || r.part || 'part';
  if (r.removed && r.installed) return `${what} ${r.removed} → ${r.installed}`;
  if (r.installed) return `${what} ${r.installed} fitted`;
  return `${what} ${text(r.removed)} removed`;
}

/** One human line describing an event, for timelines, Slack and pages. */
export function summarize(kind: HistoryKind, data: Record<string, unknown>): string {
  const d = data;
  switch (kind) {
    case 'note':
      return clip(text(d.text));
    case 'test_result': {
      const verdict = d.passed ? 'passed' : 'FAILED';
      const at = d.station ? ` at ${text(d.station)}` : '';
      const tail = d.quarantined ? ' — unit quarantined' : d.required && !d.passed ? ' (required)' : '';
      return `Test ${text(d.test)} ${verdict}${at}${tail}`;
    }
    case 'repair': {
      const replaced = Array.isArray(d.replacements)
        ? (d.replacements as Partial<Replacement>[]).map(replacementLine)
        : [];
      return clip(
        `Repair: ${text(d.action)} (symptom: ${text(d.symptom)})${replaced.length ? `; ${replaced.join('; ')}` : ''}`,
      );
    }
    case 'service':
      return clip(`Service: ${text(d.description)}`);
    case 'status_changed': {
      const forced = d.forced
        ? ` without required tests ${Array.isArray(d.missingTests) ? (d.missingTests as string[]).join(', ') : ''} (forced)`
        : '';
      const why = d.reason ? `: ${text(d.reason)}` : '';
      return clip(`Status ${text(d.from)} → ${text(d.to)}${forced}${why}`);
    }
    case 'shipped':
      return clip(
        `Shipped to ${text(d.customer)}${d.order ? ` (order ${text(d.order)})` : ''} on ${text(d.shippedOn)}`,
      );
    case 'returned':
      return clip(`Returned under RMA ${text(d.rma)}: ${text(d.reason)}`);
    case 'disposed':
      return clip(
        `Disposed (${text(d.method).replaceAll('_', ' ')})${d.certificate ? `, certificate ${text(d.certificate)}` : ''}`,
      );
    case 'correction':
      return clip(`Correction: ${text(d.reason)}`);
    case 'identified': {
      const what = `${identifierName(text(d.identifier))} ${text(d.value)}`;
      return clip(
        d.action === 'removed' ? `${what} removed${d.reason ? `: ${text(d.reason)}` : ''}` : `${what} added`,
      );
    }
  }
}

/** Whether an event of `kind` may be recorded on a lot in `status` (a device, or any lot). */
export function assertRecordable(
  lot: { code: string; status: StockStatus; isDevice: boolean },
  kind: (typeof RECORDABLE_KINDS)[number],
): void {
  const refuse = (why: string): never => {
    throw new RuleViolation(`cannot record a ${kind.replace('_', ' ')} on lot ${lot.code}: ${why}`);
  };
  switch (kind) {
    case 'note':
      return;
    case 'test_result':
      if (lot.status === 'disposed') refuse('it is disposed');
      return;
    case 'repair':
      if (lot.status === 'shipped') refuse('it is shipped; record its return first');
      if (!REPAIRABLE.includes(lot.status)) refuse(`it is ${lot.status}`);
      return;
    case 'service':
      if (['scrapped', 'disposed', 'cancelled'].includes(lot.status)) refuse(`it is ${lot.status}`);
      return;
  }
}

/** A correction must refer to an earlier event of the same lot that is not itself a correction. */
export function assertCorrectable(
  target: { id: number; lotCode: string; kind: HistoryKind },
  lotCode: string,
): void {
  if (target.lotCode !== lotCode)
    throw new RuleViolation(`event ${target.id} belongs to lot ${target.lotCode}, not ${lotCode}`);
  if (target.kind === 'correction')
    throw new RuleViolation(
      `event ${target.id} is a correction; corrections are not corrected — record a new event instead`,
    );
}

/** Test names compare without regard to case or surrounding space. */
export const testKey = (name: string) => name.trim().toLowerCase();

/** Checks a project's list of required tests: names unique (ignoring case). */
export function normalizeRequiredTests(names: string[]): { names: string[]; duplicate: number | null } {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const [i, raw] of names.entries()) {
    const name = raw.trim();
    if (seen.has(testKey(name))) return { names: out, duplicate: i };
    seen.add(testKey(name));
    out.push(name);
  }
  return { names: out, duplicate: null };
}
