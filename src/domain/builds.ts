/**
 * Builds: making N units of a project.
 *
 * Lifecycle: `planned` → (start accepted: its components reserved) `starting` → `in_progress`
 * (multi-stage, or while a tracked build's units are being generated) → `completed`. A single-stage
 * build completes as soon as it has started (and, when tracked, once its units exist). A build whose
 * unit generation a worker gave up on is `blocked`, with the reason: a person retries (generation
 * continues where it stopped) or cancels it. Any build not completed may be `cancelled`: components
 * of units not made go back to their lots.
 *
 * Options, as PartsBox has them: add sub-assembly stock; track each resulting sub-assembly
 * separately (one single-unit lot per device, serial numbers 1..N within the build — implies adding
 * stock); multi-stage with named stages (stock stays `in_production` until completion).
 *
 * Everything here is pure: the commands load the facts, these functions decide.
 */
import { RuleViolation, ValidationError } from './errors.ts';
import type { SerialRange } from './serial-ranges.ts';
import type { StockStatus } from './types.ts';

// Serial lists and ranges live in serial-ranges.ts; importers of builds.ts still find them here.
export {
  SERIAL_LIST_PATTERN,
  formatSerialRanges,
  parseSerialRanges,
  rangesText,
  toRanges,
  type SerialRange,
} from './serial-ranges.ts';

export const BUILD_STATUSES = [
  'planned',
  'starting',
  'in_progress',
  'blocked',
  'completed',
  'cancelled',
] as const;
export type BuildStatus = (typeof BUILD_STATUSES)[number];

/**
 * What workers do to a build, each recorded as an operation: the four a person requests, and
 * `generate` (a tracked build's units, requested by its start; it may run beside an advance or a
 * cancel).
 */
export const BUILD_OPERATIONS = ['start', 'advance', 'complete', 'cancel', 'generate'] as const;
export type BuildOperationKind = (typeof BUILD_OPERATIONS)[number];
/** The operations a person requests (one may be queued at a time). */
export type RequestedOperationKind = Exclude<BuildOperationKind, 'generate'>;

export const BUILD_OPERATION_STATUSES = ['queued', 'done', 'failed'] as const;
export type BuildOperationStatus = (typeof BUILD_OPERATION_STATUSES)[number];

/** Why a build's work stopped: set with status `blocked`, cleared by a retry. */
export interface BuildBlocked {
  reason: string;
  operation: BuildOperationKind;
  operationId: number;
  since: string;
}

/** The largest build accepted in one go. */
export const MAX_BUILD_QUANTITY = 200_000;

export interface BuildStage {
  position: number;
  name: string;
  completedAt: Date | null;
  completedBy: string | null;
  comment: string | null;
}

export interface Build {
  id: number;
  code: string;
  projectId: number;
  projectCode: string;
  projectName: string;
  producedPartId: number;
  producedPartCode: string;
  quantity: number;
  status: BuildStatus;
  trackUnits: boolean;
  addStock: boolean;
  stages: BuildStage[];
  serialFormat: string | null;
  /** First value of the per-part serial counter reserved for this build (formatted serials). */
  serialSeqStart: number | null;
  /** The date formatted serials are rendered with, fixed when they were reserved. */
  serialDate: Date | null;
  unitsGenerated: number;
  unitsCompleted: number;
  unitsScrapped: number;
  /** Units a cancel took out unfinished (status `cancelled`), or the in-production quantity it removed. */
  unitsCancelled: number;
  note: string | null;
  createdBy: string;
  createdAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
  cancelledAt: Date | null;
  /** When the worker could not start the build: why (e.g. a shortage found at start time). */
  startError: { message: string; shortages?: Shortage[] } | null;
  /** Status `blocked`: why its work stopped. */
  blocked: BuildBlocked | null;
  /** Component lots the request named (consumed instead of FIFO for their parts). */
  requestedLots: { lot: string }[];
  /** Device serial → sub-assembly units it must hold, as the request named them. */
  requestedPairing: { serial: number; units: string[] }[];
  /** Where produced stock goes. */
  locationCode: string | null;
}

export interface BuildOperation {
  id: number;
  buildId: number;
  kind: BuildOperationKind;
  params: Record<string, unknown>;
  status: BuildOperationStatus;
  result: Record<string, unknown> | null;
  error: string | null;
  requestedBy: string;
  createdAt: Date;
  finishedAt: Date | null;
}

export const isMultiStage = (build: Pick<Build, 'stages'>) => build.stages.length > 0;

/** Stock status of what a build produces while it runs. */
export function producedStatus(build: Pick<Build, 'stages'>): StockStatus {
  return isMultiStage(build) ? 'in_production' : 'available';
}

/** Checks build options as given by the user. */
export function checkBuildOptions(options: {
  quantity: number;
  trackUnits: boolean;
  addStock: boolean;
  stages: string[];
}): void {
  if (options.trackUnits && !options.addStock) {
    throw ValidationError.field(
      'addStock',
      'must be true when trackUnits is true: tracked units are sub-assembly stock',
    );
  }
  const seen = new Set<string>();
  for (const [i, stage] of options.stages.entries()) {
    const key = stage.toLowerCase();
    if (seen.has(key)) throw ValidationError.field(`stages.${i}`, `stage '${stage}' is named twice`);
    seen.add(key);
  }
}

/** Whether a tracked build still has units to generate. */
export const isGenerating = (build: Pick<Build, 'trackUnits' | 'unitsGenerated' | 'quantity'>) =>
  build.trackUnits && build.unitsGenerated < build.quantity;

/** Whether an operation may be requested now; throws RuleViolation naming the current status. */
export function assertOperationAllowed(
  build: Pick<Build, 'code' | 'status' | 'stages' | 'trackUnits' | 'unitsGenerated' | 'quantity' | 'blocked'>,
  kind: RequestedOperationKind,
): void {
  const refuse = (why: string): never => {
    throw new RuleViolation(`cannot ${kind} build ${build.code}: ${why}`);
  };
  if (build.status === 'blocked' && kind !== 'cancel')
    refuse(`it is blocked (${build.blocked?.reason ?? 'its work stopped'}); retry or cancel it`);
  switch (kind) {
    case 'start':
      if (build.status !== 'planned') refuse(`it is ${build.status}`);
      return;
    case 'advance':
      if (!isMultiStage(build)) refuse('it has no stages');
      if (build.status !== 'in_progress') refuse(`it is ${build.status}`);
      if (nextStage(build) === null) refuse('every stage is already completed');
      return;
    case 'complete':
      if (build.status !== 'in_progress') refuse(`it is ${build.status}`);
      if (!isMultiStage(build)) refuse('a single-stage build completes by itself once its units exist');
      return;
    case 'cancel':
      if (build.status === 'completed' || build.status === 'cancelled') refuse(`it is ${build.status}`);
      if (build.status === 'in_progress' && !isMultiStage(build) && !isGenerating(build))
        refuse('a single-stage build is complete once started');
      return;
  }
}

/**
 * What a retry of a build does: a blocked build continues its unit generation; a build whose last
 * operation failed has it requested again (a planned build with a start error is started again).
 */
export function retryPlan(
  build: Pick<Build, 'code' | 'status' | 'startError'>,
  lastFailed: Pick<BuildOperation, 'kind' | 'params'> | null,
): { kind: 'generate' } | { kind: RequestedOperationKind; params: Record<string, unknown> } {
  if (build.status === 'blocked') return { kind: 'generate' };
  if (build.status === 'planned' && build.startError) return { kind: 'start', params: {} };
  if (lastFailed && lastFailed.kind !== 'generate' && lastFailed.kind !== 'start')
    return { kind: lastFailed.kind, params: lastFailed.params };
  throw new RuleViolation(
    `build ${build.code} has nothing to retry: it is ${build.status} and its last operation did not fail`,
  );
}

export function nextStage(build: Pick<Build, 'stages'>): BuildStage | null {
  return build.stages.find((s) => s.completedAt === null) ?? null;
}

// ---------------------------------------------------------------------------------------------
// Consumption: which component lots a build takes, FIFO or as named.

export interface Requirement {
  partId: number;
  partCode: string;
  partName: string;
  /** quantity per unit × build quantity */
  needed: number;
}

export interface CandidateLot {
  id: number;
  code: string;
  partId: number;
  quantity: number;
  /** Tracked sub-assembly unit (a single-unit lot with a serial). */
  isUnit: boolean;
}

export interface Allocation {
  lotId: number;
  lotCode: string;
  partId: number;
  quantity: number;
  isUnit: boolean;
}

export interface Shortage {
  part: string;
  partName: string;
  needed: number;
  available: number;
}

/**
 * Allocates each requirement from its candidate lots, in the order given (the caller sorts them
 * FIFO — oldest first — or passes only the lots the request named). Returns every shortage rather
 * than the first one, so the user sees the whole list at once.
 */
export function allocate(
  requirements: Requirement[],
  candidates: ReadonlyMap<number, CandidateLot[]>,
): { allocations: Allocation[]; shortages: Shortage[] } {
  const allocations: Allocation[] = [];
  const shortages: Shortage[] = [];
  for (const req of requirements) {
    const lots = candidates.get(req.partId) ?? [];
    const available = lots.reduce((sum, l) => sum + l.quantity, 0);
    if (available < req.needed) {
      shortages.push({ part: req.partCode, partName: req.partName, needed: req.needed, available });
      continue;
    }
    let remaining = req.needed;
    for (const lot of lots) {
      if (remaining === 0) break;
      const take = Math.min(remaining, lot.quantity);
      if (take <= 0) continue;
      allocations.push({
        lotId: lot.id,
        lotCode: lot.code,
        partId: req.partId,
        quantity: take,
        isUnit: lot.isUnit,
      });
      remaining -= take;
    }
  }
  return { allocations, shortages };
}

/** BOM lines × quantity, one requirement per line (a part appears on one line only: bom_lines is unique per project and part). */
export function requirementsFor(
  lines: { partId: number; partCode: string; partName: string; quantityPerUnit: number }[],
  quantity: number,
): Requirement[] {
  return lines.map((l) => ({
    partId: l.partId,
    partCode: l.partCode,
    partName: l.partName,
    needed: l.quantityPerUnit * quantity,
  }));
}

// ---------------------------------------------------------------------------------------------
// Unit generation in chunks, and unit-to-unit pairing with consumed sub-assembly units.

/** The next chunk of serials to generate after `generated` of `quantity`, or null when done. */
export function nextChunk(generated: number, quantity: number, chunkSize: number): SerialRange | null {
  if (generated >= quantity) return null;
  return { first: generated + 1, last: Math.min(quantity, generated + chunkSize) };
}

/**
 * Which consumed sub-assembly units go into which device. `units` are the consumed unit lots of one
 * part in consumption order; `perDevice` how many each device takes. A request may name the pairing
 * (device serial → unit codes); devices it does not name take the remaining units in order.
 */
export function pairUnits(
  quantity: number,
  perDevice: number,
  units: { id: number; code: string }[],
  named: ReadonlyMap<number, string[]>,
): Map<number, number[]> {
  const byCode = new Map(units.map((u) => [u.code, u.id]));
  const used = new Set<number>();
  const pairing = new Map<number, number[]>();
  for (const [serial, codes] of named) {
    if (serial < 1 || serial > quantity)
      throw ValidationError.field('pairing', `serial ${serial} is not in this build (1..${quantity})`);
    const ids = codes.map((code) => {
      const id = byCode.get(code);
      if (id === undefined)
        throw ValidationError.field('pairing', `unit ${code} is not among the units this build consumes`);
      if (used.has(id)) throw ValidationError.field('pairing', `unit ${code} is paired twice`);
      used.add(id);
      return id;
    });
    pairing.set(serial, ids);
  }
  const rest = units.filter((u) => !used.has(u.id));
  let next = 0;
  for (let serial = 1; serial <= quantity; serial++) {
    const have = pairing.get(serial) ?? [];
    while (have.length < perDevice && next < rest.length) have.push(rest[next++]!.id);
    pairing.set(serial, have);
  }
  return pairing;
}

/**
 * On cancel, components consumed for units that were not completed go back to the lots they came
 * from — the most recently taken first, so the oldest stock is the stock that stays consumed.
 */
export function returnPlan(
  consumptions: { id: number; lotId: number; partId: number; quantity: number; returned: number }[],
  perUnit: ReadonlyMap<number, number>,
  unitsNotCompleted: number,
): { consumptionId: number; lotId: number; quantity: number }[] {
  const plan: { consumptionId: number; lotId: number; quantity: number }[] = [];
  const byPart = new Map<number, typeof consumptions>();
  for (const c of consumptions) byPart.set(c.partId, [...(byPart.get(c.partId) ?? []), c]);
  for (const [partId, list] of byPart) {
    let toReturn = (perUnit.get(partId) ?? 0) * unitsNotCompleted;
    for (const c of [...list].reverse()) {
      if (toReturn === 0) break;
      const give = Math.min(toReturn, c.quantity - c.returned);
      if (give > 0) {
        plan.push({ consumptionId: c.id, lotId: c.lotId, quantity: give });
        toReturn -= give;
      }
    }
  }
  return plan;
}

/**
 * How far a build has come, from its counters (the same ones its units' statuses are held to):
 * generated, completed, scrapped and cancelled units, and two percentages — of units generated and
 * of units completed. An untracked build makes its stock in one go when it starts.
 */
export function buildProgress(
  build: Pick<
    Build,
    | 'quantity'
    | 'trackUnits'
    | 'unitsGenerated'
    | 'startedAt'
    | 'unitsCompleted'
    | 'unitsScrapped'
    | 'unitsCancelled'
  >,
) {
  const pct = (n: number) => Math.floor((n / build.quantity) * 100);
  const generated = build.trackUnits ? build.unitsGenerated : build.startedAt ? build.quantity : 0;
  return {
    generated,
    completed: build.unitsCompleted,
    scrapped: build.unitsScrapped,
    cancelled: build.unitsCancelled,
    quantity: build.quantity,
    generatedPercent: pct(generated),
    completedPercent: pct(build.unitsCompleted),
  };
}
