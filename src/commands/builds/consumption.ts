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

/**
 * Which lots a build would consume now, from the stock other builds have not reserved (the lots are
 * locked until the unit of work ends), and what it lacks.
 */
export async function planConsumption(
  repos: Repositories,
  build: Pick<Build, 'projectId' | 'quantity' | 'requestedLots'>,
) {
  const project = (await repos.projects.findById(build.projectId))!;
  const requirements = requirementsFor(project.lines, build.quantity);
  const { namedIds, namedParts } = await namedLots(repos, requirements, build.requestedLots);
  const fifoParts = requirements.filter((r) => !namedParts.has(r.partId)).map((r) => r.partId);
  const candidates = new Map<number, CandidateLot[]>([
    ...(await repos.stock.candidates(fifoParts)),
    ...(namedIds.length > 0 ? await repos.stock.candidates([...namedParts], namedIds) : []),
  ]);
  return { project, ...allocate(requirements, candidates) };
}

/** Shortages of a build's components right now, without reserving anything. */
export async function shortagesOf(
  repos: Repositories,
  build: Pick<Build, 'projectId' | 'quantity' | 'requestedLots'>,
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
