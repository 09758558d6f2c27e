/**
 * What a build takes: the component lots it consumes (FIFO, or the lots the request named), and the
 * reservation that holds them from the moment a start is accepted until the worker consumes them —
 * so a 201 means the stock is the build's, and the losers of a race hear of their shortage at once.
 * A tracked build with a serial format reserves its formatted serials at the same moment, refusing
 * (or skipping past) values an earlier build already printed.
 */
import {
  allocate,
  requirementsFor,
  type Build,
  type CandidateLot,
  type Shortage,
} from '../../domain/builds.ts';
import { RuleViolation, ValidationError } from '../../domain/errors.ts';
import { compileSerialFormat } from '../../domain/serial-format.ts';
import { findOrFail } from '../lookup.ts';
import type { Repositories } from '../ports.ts';
import { shortageError } from './shared.ts';

/** The lots a build names to consume: each must exist and be of a part the project's BOM uses. */
export async function namedLots(
  repos: Repositories,
  requirements: ReturnType<typeof requirementsFor>,
  requestedLots: Build['requestedLots'],
) {
  const namedIds: number[] = [];
  const namedParts = new Set<number>();
  for (const [i, { lot }] of requestedLots.entries()) {
    const found = await findOrFail('lot', `lots.${i}.lot`, lot, (c) => repos.lots.findByCode(c));
    if (!requirements.some((r) => r.partId === found.partId)) {
      throw ValidationError.field(
        `lots.${i}.lot`,
        `lot ${found.code} is of a part this project's BOM does not use`,
      );
    }
    namedIds.push(found.id);
    namedParts.add(found.partId);
  }
  return { namedIds, namedParts };
}

/** A unit the request pairs with a device, and why the build would not consume it. */
export interface UnconsumedUnit {
  serial: number;
  unit: string;
  reason: string;
}

/**
 * The units a build pairs with its devices, checked against the BOM: each must be a unit (a
 * single-unit lot) of a part the project uses, named once, and no device may get more units of a
 * part than the BOM puts in one. Answers the unit ids per part, in the order they were named.
 */
async function pairedUnits(
  repos: Repositories,
  requirements: ReturnType<typeof requirementsFor>,
  quantity: number,
  pairing: Build['requestedPairing'],
) {
  const byPart = new Map<number, number[]>();
  const named = new Map<number, { serial: number; unit: string }>();
  for (const [i, p] of pairing.entries()) {
    const perDevice = new Map<number, number>();
    for (const [j, code] of p.units.entries()) {
      const field = `pairing.${i}.units.${j}`;
      const lot = await findOrFail('unit', field, code, (c) => repos.lots.findByCode(c));
      const req = requirements.find((r) => r.partId === lot.partId);
      if (!req)
        throw ValidationError.field(field, `${lot.code} is of a part this project's BOM does not use`);
      if (lot.serial === null)
        throw ValidationError.field(field, `${lot.code} is a lot, not a unit: only units are paired`);
      if ([...named.values()].some((n) => n.unit === lot.code))
        throw ValidationError.field(field, `unit ${lot.code} is paired twice`);
      const count = (perDevice.get(lot.partId) ?? 0) + 1;
      const perUnit = req.needed / quantity;
      if (count > perUnit)
        throw ValidationError.field(
          field,
          `device ${p.serial} takes ${perUnit} × ${req.partCode}; more are paired with it`,
        );
      perDevice.set(lot.partId, count);
      named.set(lot.id, { serial: p.serial, unit: lot.code });
      byPart.set(lot.partId, [...(byPart.get(lot.partId) ?? []), lot.id]);
    }
  }
  return { byPart, named };
}

/** Why a unit named in the pairing is not among the lots the plan consumes. */
async function whyUnconsumed(repos: Repositories, code: string, namedPart: boolean): Promise<string> {
  const lot = await repos.lots.findByCode(code);
  if (!lot) return 'not found';
  if (lot.status !== 'available') return `it is ${lot.status}`;
  if (lot.quantity === 0) return 'it was consumed already';
  if (lot.reserved >= lot.quantity) return 'another build holds it';
  if (lot.expiresOn && lot.expiresOn < new Date().toISOString().slice(0, 10)) return 'it has expired';
  return namedPart
    ? 'it is not among the lots the request names for its part'
    : 'the build needs fewer units of its part';
}

/**
 * Which lots a build would consume now, from the stock other builds have not reserved (the lots are
 * locked until the unit of work ends), and what it lacks. Units the request pairs with devices are
 * consumed first for their part; a plan that would leave one of them out is refused (422, naming
 * each unit and why) — a pairing is never silently ignored.
 */
export async function planConsumption(
  repos: Repositories,
  build: Pick<Build, 'projectId' | 'quantity' | 'requestedLots' | 'requestedPairing'>,
) {
  const project = (await repos.projects.findById(build.projectId))!;
  const requirements = requirementsFor(project.lines, build.quantity);
  const { namedIds, namedParts } = await namedLots(repos, requirements, build.requestedLots);
  const paired = await pairedUnits(repos, requirements, build.quantity, build.requestedPairing);
  const fifoParts = requirements.filter((r) => !namedParts.has(r.partId)).map((r) => r.partId);
  const candidates = new Map<number, CandidateLot[]>([
    ...(await repos.stock.candidates(fifoParts)),
    ...(namedIds.length > 0 ? await repos.stock.candidates([...namedParts], namedIds) : []),
  ]);
  for (const [partId, ids] of paired.byPart) {
    const lots = candidates.get(partId);
    if (!lots || namedParts.has(partId)) continue;
    const rank = new Map(ids.map((id, i) => [id, i]));
    const first = ids.flatMap((id) => lots.filter((l) => l.id === id));
    candidates.set(partId, [...first, ...lots.filter((l) => !rank.has(l.id))]);
  }
  const plan = allocate(requirements, candidates);
  if (plan.shortages.length === 0 && paired.named.size > 0) {
    const taken = new Set(plan.allocations.map((a) => a.lotId));
    const unconsumed: UnconsumedUnit[] = [];
    for (const [id, { serial, unit }] of paired.named) {
      if (taken.has(id)) continue;
      const partId = [...paired.byPart].find(([, ids]) => ids.includes(id))![0];
      unconsumed.push({ serial, unit, reason: await whyUnconsumed(repos, unit, namedParts.has(partId)) });
    }
    if (unconsumed.length > 0)
      throw new RuleViolation(
        `the build would not consume ${unconsumed.length} of the units its pairing names: ` +
          unconsumed.map((u) => `${u.unit} (device ${u.serial}: ${u.reason})`).join(', '),
        { unconsumed },
      );
  }
  return { project, ...plan };
}

/** Shortages of a build's components right now, without reserving anything. */
export async function shortagesOf(
  repos: Repositories,
  build: Pick<Build, 'projectId' | 'quantity' | 'requestedLots' | 'requestedPairing'>,
): Promise<Shortage[]> {
  return (await planConsumption(repos, build)).shortages;
}

/** How many times a serial block that collides is skipped before the request is refused. */
const SERIAL_SKIPS = 3;
/** Formatted serials looked up per query. */
const LABELS_PER_QUERY = 20_000;

/**
 * Reserves a tracked build's block of the per-part serial counter and fixes the date its formatted
 * serials are rendered with. A value the format would render the same as a serial an earlier build
 * printed (a format changed and changed back) is never handed out: the block is skipped, and after
 * a few collisions the request is refused naming the serials, before anything is consumed.
 */
export async function reserveSerials(
  repos: Repositories,
  build: Pick<Build, 'code' | 'quantity' | 'producedPartId' | 'serialFormat'>,
): Promise<{ serialSeqStart: number; serialDate: Date } | null> {
  if (!build.serialFormat) return null;
  const format = compileSerialFormat(build.serialFormat);
  const date = new Date();
  for (let skip = 0; ; skip++) {
    const first = await repos.builds.reserveSerials(build.producedPartId, build.quantity);
    let taken: { label: string; build: string | null }[] = [];
    for (let i = 0; i < build.quantity && taken.length === 0; i += LABELS_PER_QUERY) {
      const labels: string[] = [];
      for (let j = i; j < Math.min(build.quantity, i + LABELS_PER_QUERY); j++)
        labels.push(format.render(first + j, date));
      taken = await repos.units.takenSerialLabels(build.producedPartId, labels, 5);
    }
    if (taken.length === 0) return { serialSeqStart: first, serialDate: date };
    if (skip + 1 >= SERIAL_SKIPS)
      throw new RuleViolation(
        `build ${build.code}: the serial format '${build.serialFormat}' would repeat formatted serials ` +
          `already used (${taken.map((t) => `${t.label}${t.build ? ` of build ${t.build}` : ''}`).join(', ')}); ` +
          `give the project a serial format that has not been used before`,
        { collisions: taken },
      );
  }
}

/**
 * Accepts a build's start: reserves its components (or refuses with the whole shortage list, having
 * changed nothing) and its formatted serials.
 */
export async function reserveForStart(
  repos: Repositories,
  build: Pick<
    Build,
    | 'id'
    | 'code'
    | 'projectId'
    | 'quantity'
    | 'requestedLots'
    | 'requestedPairing'
    | 'trackUnits'
    | 'producedPartId'
    | 'serialFormat'
  >,
) {
  const { allocations, shortages } = await planConsumption(repos, build);
  if (shortages.length > 0) throw shortageError(build, shortages);
  const serials = build.trackUnits ? await reserveSerials(repos, build) : null;
  await repos.stock.reserve(build.id, allocations);
  return serials;
}
