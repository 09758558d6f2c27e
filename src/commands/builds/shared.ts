/** What the build use cases share: finding a build, its event stream, the serials input. */
import { serialList } from '../validation.ts';
import { z } from 'zod';
import {
  MAX_BUILD_QUANTITY,
  parseSerialRanges,
  type Build,
  type BuildOperation,
  type Shortage,
} from '../../domain/builds.ts';
import { RuleViolation } from '../../domain/errors.ts';
import type { NewEvent } from '../../domain/events.ts';
import type { StockStatus } from '../../domain/types.ts';
import { jobRequest } from '../jobs.ts';
import { findOrFail } from '../lookup.ts';
import type { Repositories } from '../ports.ts';

/** Units written per transaction while generating a tracked build. */
export const DEFAULT_CHUNK_SIZE = 5_000;

export const buildStream = (build: Pick<Build, 'code'>) => `build:${build.code}`;

export const findBuild = (repos: Repositories, code: string, lock = false, field = 'code') =>
  findOrFail('build', field, code, (c) => repos.builds.findByCode(c, { lock }));

export const serialsInput = z
  .union([z.array(z.int().positive()).min(1).max(MAX_BUILD_QUANTITY), serialList])
  .describe('serials as a list, or as text: serials and ranges like "1-20,25"');

/** The serials a request names, sorted and unique. */
export function resolveSerials(serials: z.output<typeof serialsInput>, quantity: number): number[] {
  return typeof serials === 'string'
    ? parseSerialRanges(serials, quantity)
    : [...new Set(serials)].sort((a, b) => a - b);
}

export function shortageError(build: Pick<Build, 'code'> | null, shortages: Shortage[]): RuleViolation {
  const list = shortages
    .map((s) => `${s.partName} (${s.part}) needs ${s.needed}, ${s.available} available`)
    .join('; ');
  return new RuleViolation(`not enough stock to start${build ? ` build ${build.code}` : ''}: ${list}`, {
    shortages,
  });
}

/** The job that carries an operation (a redriven one gets a fresh id from the reconciler). */
export const operationJobId = (operationId: number) => `build-op-${operationId}`;

export function operationJob(op: Pick<BuildOperation, 'id' | 'kind' | 'buildId'>) {
  return op.kind === 'generate'
    ? jobRequest('lots.generate', { buildId: op.buildId, operationId: op.id }, operationJobId(op.id))
    : jobRequest(`builds.${op.kind}`, { operationId: op.id }, operationJobId(op.id));
}

export interface OperationOutcome {
  result: Record<string, unknown>;
  events: NewEvent[];
}

/** Runs one kind of requested operation on its (locked) build, in the operation's transaction. */
export type Runner = (repos: Repositories, build: Build, op: BuildOperation) => Promise<OperationOutcome>;

/** A serial a request named that was left as it was, and why. */
export interface SkippedUnit {
  serial: number;
  status: StockStatus | null;
  reason: string;
}

/** Why the units of these serials were not taken: they do not exist, or their status. */
export async function skippedUnits(
  repos: Repositories,
  buildId: number,
  serials: number[],
  why: (status: StockStatus) => string,
): Promise<SkippedUnit[]> {
  if (serials.length === 0) return [];
  const statuses = await repos.units.statuses(buildId, serials);
  return serials.map((serial) => {
    const status = statuses.get(serial) ?? null;
    return { serial, status, reason: status ? why(status) : 'no such unit (not generated)' };
  });
}
