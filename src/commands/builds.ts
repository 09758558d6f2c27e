/**
 * Build use cases. Requests (create, start, advance, complete, cancel) run in the caller's request:
 * they check everything that can be checked at once — a shortage is answered with the full list and
 * changes nothing — then record an operation and request its job, in one transaction. Workers run
 * the operations (`performBuildOperation`) and generate tracked units in chunks
 * (`generateUnits`). Every step is idempotent: a repeated request joins the operation already
 * queued or answers with the one already done; a job run twice finds nothing left to do.
 */
import { z } from 'zod';
import {
  MAX_BUILD_QUANTITY,
  allocate,
  assertOperationAllowed,
  checkBuildOptions,
  isMultiStage,
  nextChunk,
  nextStage,
  pairUnits,
  parseSerialRanges,
  producedStatus,
  requirementsFor,
  returnPlan,
  type Build,
  type BuildOperation,
  type BuildOperationKind,
  type CandidateLot,
  type Shortage,
} from '../domain/builds.ts';
import {
  ConflictError,
  DomainError,
  NotFoundError,
  RuleViolation,
  ValidationError,
} from '../domain/errors.ts';
import type { NewEvent } from '../domain/events.ts';
import { SYSTEM_ACTOR, type Actor } from '../domain/roles.ts';
import { compileSerialFormat } from '../domain/serial-format.ts';
import { BUILD_STATUSES } from '../domain/builds.ts';
import { STOCK_STATUSES } from '../domain/types.ts';
import { defineCommand, execute, type CommandDeps } from './define.ts';
import { jobRequest } from './jobs.ts';
import { findOrFail, normalizeCode } from './lookup.ts';
import type { Repositories } from './ports.ts';
import { recordEvents } from './timeline.ts';
import { idCodeRef, optionalText, pageQuery } from './validation.ts';

/** Units written per transaction while generating a tracked build. */
export const DEFAULT_CHUNK_SIZE = 5_000;

const buildStream = (build: Pick<Build, 'code'>) => `build:${build.code}`;

const findBuild = (repos: Repositories, code: string, lock = false, field = 'code') =>
  findOrFail('build', field, code, (c) => repos.builds.findByCode(c, { lock }));

const serialsInput = z
  .union([z.array(z.int().positive()).min(1).max(MAX_BUILD_QUANTITY), z.string().trim().min(1).max(2000)])
  .describe('serials as a list, or ranges like "1-50,52"');

function shortageError(build: Pick<Build, 'code'> | null, shortages: Shortage[]): RuleViolation {
  const list = shortages
    .map((s) => `${s.partName} (${s.part}) needs ${s.needed}, ${s.available} available`)
    .join('; ');
  return new RuleViolation(`not enough stock to start${build ? ` build ${build.code}` : ''}: ${list}`, {
    shortages,
  });
}

// ---------------------------------------------------------------------------------------------
// Consumption planning, shared by the request's pre-check and the worker's start.

/** The lots a build names to consume: each must exist and be of a part the project's BOM uses. */
async function namedLots(
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

async function planConsumption(
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

// ---------------------------------------------------------------------------------------------
// Requests

async function requestOperation(
  repos: Repositories,
  actor: Actor,
  code: string,
  kind: BuildOperationKind,
  params: Record<string, unknown>,
  precheck?: (build: Build) => Promise<void>,
): Promise<{ build: Build; operation: BuildOperation }> {
  let build = await findBuild(repos, code, true);
  const queued = await repos.builds.queuedOperation(build.id);
  if (queued) {
    if (queued.kind === kind && JSON.stringify(queued.params) === JSON.stringify(params))
      return { build, operation: queued };
    throw new ConflictError(
      `build ${build.code} is busy: a ${queued.kind} operation is queued; try again when it is done`,
    );
  }
  // The same request again after its operation ran: answer with what happened, change nothing.
  const alreadyDone =
    (kind === 'start' && build.status !== 'planned' && build.status !== 'cancelled') ||
    (kind === 'complete' && build.status === 'completed') ||
    (kind === 'cancel' && build.status === 'cancelled');
  if (alreadyDone) {
    const last = await repos.builds.lastOperation(build.id, kind);
    if (last) return { build, operation: last };
  }
  assertOperationAllowed(build, kind);
  await precheck?.(build);
  if (kind === 'start') build = await repos.builds.update(build.id, { status: 'starting', startError: null });
  const operation = await repos.builds.insertOperation({
    buildId: build.id,
    kind,
    params,
    requestedBy: actor.name,
  });
  await repos.jobs.enqueue(
    jobRequest(`builds.${kind}`, { operationId: operation.id }, `build-op-${operation.id}`),
  );
  return { build, operation };
}

const startPrecheck = (repos: Repositories) => async (build: Build) => {
  const { shortages } = await planConsumption(repos, build);
  if (shortages.length > 0) throw shortageError(build, shortages);
};

export const createBuild = defineCommand({
  name: 'createBuild',
  summary: 'Plan a build of a project and, unless start is false, start it (shortages are answered at once)',
  role: 'operator',
  mode: 'write',
  input: z.strictObject({
    project: idCodeRef,
    quantity: z.int().min(1).max(MAX_BUILD_QUANTITY),
    trackUnits: z.boolean().default(false).describe('one single-unit lot with a serial number per device'),
    addStock: z.boolean().optional().describe('create sub-assembly stock (default true)'),
    stages: z
      .array(z.string().trim().min(1).max(100))
      .max(20)
      .default([])
      .describe('named stages: a multi-stage build'),
    lots: z
      .array(z.strictObject({ lot: idCodeRef }))
      .max(10_000)
      .default([])
      .describe('component lots to consume instead of FIFO, for their parts, in this order'),
    pairing: z
      .array(z.strictObject({ serial: z.int().positive(), units: z.array(idCodeRef).min(1).max(100) }))
      .max(MAX_BUILD_QUANTITY)
      .default([])
      .describe('which consumed sub-assembly units go into which device; the rest are paired in order'),
    location: idCodeRef.nullish().describe('where the produced stock is stored'),
    note: optionalText(),
    start: z.boolean().default(true),
  }),
  async run({ repos, actor }, input) {
    const addStock = input.addStock ?? true;
    checkBuildOptions({
      quantity: input.quantity,
      trackUnits: input.trackUnits,
      addStock,
      stages: input.stages,
    });
    if (input.pairing.length > 0 && !input.trackUnits)
      throw ValidationError.field('pairing', 'needs trackUnits: only tracked devices hold units');
    const project = await findOrFail('project', 'project', input.project, (c) =>
      repos.projects.findByCode(c),
    );
    const location = input.location
      ? await findOrFail('location', 'location', input.location, (c) => repos.locations.findByCode(c))
      : null;
    const requestedLots = input.lots.map((l, i) => ({ lot: normalizeCode(`lots.${i}.lot`, l.lot) }));
    const requestedPairing = input.pairing.map((p, i) => {
      if (p.serial > input.quantity)
        throw ValidationError.field(`pairing.${i}.serial`, `must be within 1..${input.quantity}`);
      return { serial: p.serial, units: p.units.map((u, j) => normalizeCode(`pairing.${i}.units.${j}`, u)) };
    });
    // Everything that can refuse the request is checked before the build is created, so that a
    // refused request uses up no ID code (a rolled-back insert would still consume one).
    const planned = { projectId: project.id, quantity: input.quantity, requestedLots };
    if (input.start) {
      const { shortages } = await planConsumption(repos, planned);
      if (shortages.length > 0) throw shortageError(null, shortages);
    } else await namedLots(repos, requirementsFor(project.lines, input.quantity), requestedLots);
    const [code] = await repos.idCodes.allocate(1);
    const created = await repos.builds.insert({
      code: code!,
      projectId: project.id,
      producedPartId: project.producesPartId,
      quantity: input.quantity,
      trackUnits: input.trackUnits,
      addStock,
      stages: input.stages,
      serialFormat: input.trackUnits ? project.serialFormat : null,
      requestedLots,
      requestedPairing,
      locationCode: location?.code ?? null,
      note: input.note ?? null,
      createdBy: actor.name,
    });
    if (!input.start) return { build: created, operation: null };
    // Stock was checked above, in this transaction, with the candidate lots locked.
    return requestOperation(repos, actor, created.code, 'start', {});
  },
});

export const requestStart = defineCommand({
  name: 'startBuild',
  summary: 'Start a planned build: checks stock first and answers a shortage list without changing anything',
  role: 'operator',
  mode: 'write',
  input: z.strictObject({ code: idCodeRef }),
  run: ({ repos, actor }, { code }) =>
    requestOperation(repos, actor, code, 'start', {}, startPrecheck(repos)),
});

export const requestAdvance = defineCommand({
  name: 'advanceBuild',
  summary: 'Complete the next stage of a multi-stage build (optionally naming it), with a comment',
  role: 'operator',
  mode: 'write',
  input: z.strictObject({
    code: idCodeRef,
    stage: z.string().trim().min(1).max(100).optional(),
    comment: optionalText(1000),
  }),
  run: ({ repos, actor }, { code, stage, comment }) =>
    requestOperation(
      repos,
      actor,
      code,
      'advance',
      { stage: stage ?? null, comment: comment ?? null },
      async (build) => {
        const next = nextStage(build);
        if (stage && next && next.name.toLowerCase() !== stage.toLowerCase()) {
          throw new RuleViolation(`the next stage of build ${build.code} is '${next.name}', not '${stage}'`);
        }
      },
    ),
});

export const requestCompletion = defineCommand({
  name: 'completeBuild',
  summary: 'Complete a multi-stage build — all units, or some of them by serial (partial completion)',
  role: 'operator',
  mode: 'write',
  input: z.strictObject({
    code: idCodeRef,
    serials: serialsInput.optional(),
    force: z
      .boolean()
      .optional()
      .describe("complete units without their project's required passing tests (needs a reason)"),
    reason: optionalText(500).describe('why units are completed without their required tests'),
  }),
  async run({ repos, actor }, { code, serials, force, reason }) {
    if (force && !reason) throw ValidationError.field('reason', 'is required when force is true');
    let params: Record<string, unknown> = {};
    if (serials !== undefined) {
      const build = await findBuild(repos, code);
      if (!build.trackUnits)
        throw ValidationError.field(
          'serials',
          'only a build with tracked units can be completed unit by unit',
        );
      const resolved =
        typeof serials === 'string'
          ? parseSerialRanges(serials, build.quantity)
          : [...new Set(serials)].sort((a, b) => a - b);
      if (resolved.some((s) => s > build.quantity))
        throw ValidationError.field('serials', `must be within 1..${build.quantity}`);
      params = { serials: resolved };
    }
    if (force) params = { ...params, force: true, reason };
    return requestOperation(repos, actor, code, 'complete', params, async (build) => {
      const pending = nextStage(build);
      if (pending)
        throw new RuleViolation(
          `stage '${pending.name}' of build ${build.code} is not completed yet: advance first`,
        );
      if (build.trackUnits && build.unitsGenerated < build.quantity) {
        throw new ConflictError(
          `build ${build.code} is still generating its units (${build.unitsGenerated}/${build.quantity})`,
        );
      }
      if (build.trackUnits && !force)
        assertRequiredTests(build, await repos.tests.missingRequired(build.id, params.serials as number[]));
    });
  },
});

/** Refuses completing units that lack a passing result of a required test, naming them. */
function assertRequiredTests(
  build: Pick<Build, 'code'>,
  missing: { code: string; serial: number; missing: string[] }[],
): void {
  if (missing.length === 0) return;
  const shown = missing
    .slice(0, 10)
    .map((m) => `${m.serial} (${m.missing.join(', ')})`)
    .join('; ');
  throw new RuleViolation(
    `${missing.length} unit${missing.length === 1 ? '' : 's'} of build ${build.code} lack passing required tests: ${shown}${missing.length > 10 ? ' …' : ''}; test them, or complete with force and a reason`,
    {
      missingTests: missing.slice(0, 1000).map((m) => ({ serial: m.serial, lot: m.code, tests: m.missing })),
    },
  );
}

export const requestCancel = defineCommand({
  name: 'cancelBuild',
  summary: 'Cancel a build: unconsumed components go back to their lots, in-production stock is removed',
  role: 'operator',
  mode: 'write',
  input: z.strictObject({ code: idCodeRef, reason: z.string().trim().min(1).max(500) }),
  run: ({ repos, actor }, { code, reason }) =>
    requestOperation(repos, actor, code, 'cancel', { reason }, async (build) => {
      if (build.status === 'starting')
        throw new ConflictError(`build ${build.code} is starting; cancel it once it has started`);
    }),
});

// ---------------------------------------------------------------------------------------------
// Operations, run by workers

interface OperationOutcome {
  result: Record<string, unknown>;
  events: NewEvent[];
}

type Runner = (repos: Repositories, build: Build, op: BuildOperation) => Promise<OperationOutcome>;

const runStart: Runner = async (repos, build, op) => {
  if (build.status !== 'starting')
    throw new RuleViolation(`build ${build.code} is ${build.status}, not starting`);
  const { allocations, shortages } = await planConsumption(repos, build);
  if (shortages.length > 0) throw shortageError(build, shortages);
  await repos.stock.consume(build.id, allocations, op.requestedBy);
  await repos.builds.recordConsumptions(build.id, allocations);

  const serialSeqStart =
    build.trackUnits && build.serialFormat
      ? await repos.builds.reserveSerials(build.producedPartId, build.quantity)
      : null;
  const location = build.locationCode ? await repos.locations.findByCode(build.locationCode) : null;
  const events: NewEvent[] = [
    {
      type: 'build.started',
      stream: buildStream(build),
      data: {
        build: build.code,
        project: build.projectCode,
        quantity: build.quantity,
        trackUnits: build.trackUnits,
        stages: build.stages.map((s) => s.name),
        consumed: allocations.map((a) => ({ lot: a.lotCode, quantity: a.quantity })).slice(0, 1000),
        actor: op.requestedBy,
      },
    },
  ];
  let lot: string | null = null;
  if (build.addStock && !build.trackUnits) {
    const [code] = await repos.idCodes.allocate(1);
    const created = await repos.lots.insert({
      code: code!,
      partId: build.producedPartId,
      locationId: location?.id ?? null,
      quantity: build.quantity,
      status: producedStatus(build),
      source: 'build',
      buildId: build.id,
    });
    await repos.ledger.append({
      lotId: created.id,
      delta: build.quantity,
      quantityAfter: build.quantity,
      reason: 'build_produce',
      actor: op.requestedBy,
      buildId: build.id,
    });
    lot = created.code;
  }
  const completesNow = !build.trackUnits && !isMultiStage(build);
  await repos.builds.update(build.id, {
    status: completesNow ? 'completed' : 'in_progress',
    startedAt: 'now',
    serialSeqStart,
    ...(completesNow ? { completedAt: 'now', unitsCompleted: build.quantity } : {}),
  });
  if (completesNow) {
    events.push({
      type: 'build.completed',
      stream: buildStream(build),
      data: { build: build.code, completed: build.quantity, scrapped: 0, lot },
    });
  }
  if (build.trackUnits)
    await repos.jobs.enqueue(jobRequest('lots.generate', { buildId: build.id }, `generate-${build.id}`));
  return { result: { consumed: allocations.length, lot, generating: build.trackUnits }, events };
};

const runAdvance: Runner = async (repos, build, op) => {
  const stage = nextStage(build);
  if (build.status !== 'in_progress' || !stage)
    throw new RuleViolation(`build ${build.code} has no stage left to complete`);
  const wanted = op.params.stage as string | null;
  if (wanted && wanted.toLowerCase() !== stage.name.toLowerCase()) {
    throw new RuleViolation(`the next stage of build ${build.code} is '${stage.name}', not '${wanted}'`);
  }
  const comment = (op.params.comment as string | null) ?? null;
  await repos.builds.completeStage(build.id, stage.position, op.requestedBy, comment);
  const remaining = build.stages.filter((s) => s.completedAt === null).length - 1;
  return {
    result: { stage: stage.name, position: stage.position, remaining },
    events: [
      {
        type: 'build.stage_completed',
        stream: buildStream(build),
        data: {
          build: build.code,
          stage: stage.name,
          position: stage.position,
          of: build.stages.length,
          remaining,
          comment,
          actor: op.requestedBy,
        },
      },
    ],
  };
};

/** Marks a build completed when every unit is completed or scrapped. */
async function completeIfResolved(
  repos: Repositories,
  build: Build,
  completed: number,
  scrapped: number,
): Promise<NewEvent[]> {
  const done = completed + scrapped >= build.quantity;
  await repos.builds.update(build.id, {
    unitsCompleted: completed,
    unitsScrapped: scrapped,
    ...(done ? { status: 'completed', completedAt: 'now' } : {}),
  });
  return done
    ? [
        {
          type: 'build.completed',
          stream: buildStream(build),
          data: { build: build.code, completed, scrapped },
        },
      ]
    : [];
}

const runComplete: Runner = async (repos, build, op) => {
  if (build.status !== 'in_progress') throw new RuleViolation(`build ${build.code} is ${build.status}`);
  const pending = nextStage(build);
  if (pending) throw new RuleViolation(`stage '${pending.name}' of build ${build.code} is not completed yet`);
  let completedNow = 0;
  if (build.trackUnits) {
    if (build.unitsGenerated < build.quantity)
      throw new RuleViolation(`build ${build.code} is still generating its units`);
    const serials = op.params.serials as number[] | undefined;
    const missing = await repos.tests.missingRequired(build.id, serials);
    if (!op.params.force) assertRequiredTests(build, missing);
    completedNow = (await repos.units.changeStatus(build.id, 'in_production', 'available', serials)).length;
    if (missing.length > 0) await recordForcedCompletion(repos, op, missing);
  } else {
    for (const lot of await repos.lots.producedBy(build.id, 'in_production'))
      await repos.lots.update(lot.id, { status: 'available' });
    completedNow = build.quantity - build.unitsCompleted - build.unitsScrapped;
  }
  const events = await completeIfResolved(
    repos,
    build,
    build.unitsCompleted + completedNow,
    build.unitsScrapped,
  );
  return { result: { completed: completedNow, buildCompleted: events.length > 0 }, events };
};

/** Each unit completed without its required passing tests gets the forced completion on its timeline. */
async function recordForcedCompletion(
  repos: Repositories,
  op: BuildOperation,
  missing: { code: string; missing: string[] }[],
) {
  const actor: Actor = { name: op.requestedBy, role: 'operator' };
  const reason = String(op.params.reason ?? '');
  for (let i = 0; i < missing.length; i += 1_000) {
    const chunk = missing.slice(i, i + 1_000);
    const { byCode } = await repos.devices.findLots(
      chunk.map((m) => m.code),
      [],
      { lock: false },
    );
    await recordEvents(
      repos,
      actor,
      chunk.map((m) => ({
        lot: byCode.get(m.code)!,
        event: {
          kind: 'status_changed' as const,
          data: { from: 'in_production', to: 'available', reason, forced: true, missingTests: m.missing },
        },
      })),
    );
  }
}

const runCancel: Runner = async (repos, build, op) => {
  if (build.status === 'cancelled' || build.status === 'completed')
    throw new RuleViolation(`build ${build.code} is ${build.status}`);
  const reason = String(op.params.reason ?? '');
  let removed = 0;
  const giveBack: { consumptionId: number; lotId: number; quantity: number }[] = [];
  if (build.status === 'in_progress') {
    const consumptions = await repos.builds.consumptions(build.id);
    const project = (await repos.projects.findById(build.projectId))!;
    const perUnit = new Map(project.lines.map((l) => [l.partId, l.quantityPerUnit]));
    const notCompleted = build.quantity - build.unitsCompleted - build.unitsScrapped;
    if (build.trackUnits) {
      removed = (
        await repos.units.writeOff(build.id, {
          from: ['in_production'],
          to: 'scrapped',
          reason: 'build_cancel',
          note: reason,
          actor: op.requestedBy,
        })
      ).length;
      // Sub-assembly units go back exactly as the devices that held them are removed (or were never made).
      await repos.units.unlinkChildren(build.id, `build ${build.code} cancelled`);
      for (const u of await repos.units.unheldConsumedUnits(build.id)) giveBack.push({ ...u, quantity: 1 });
      giveBack.push(
        ...returnPlan(
          consumptions.filter((c) => !c.isUnit),
          perUnit,
          notCompleted,
        ),
      );
    } else {
      for (const lot of await repos.lots.producedBy(build.id, 'in_production')) {
        await repos.lots.update(lot.id, { quantity: 0, status: 'scrapped' });
        await repos.ledger.append({
          lotId: lot.id,
          delta: -lot.quantity,
          quantityAfter: 0,
          reason: 'build_cancel',
          note: reason,
          actor: op.requestedBy,
          buildId: build.id,
        });
        removed += lot.quantity;
      }
      giveBack.push(...returnPlan(consumptions, perUnit, notCompleted));
    }
    await repos.stock.giveBack(build.id, mergeByLot(giveBack), op.requestedBy);
    for (const item of giveBack) await repos.builds.addReturned(item.consumptionId, item.quantity);
  }
  await repos.builds.update(build.id, { status: 'cancelled', cancelledAt: 'now' });
  const returned = giveBack.reduce((n, g) => n + g.quantity, 0);
  return {
    result: { removed, returned },
    events: [
      {
        type: 'build.cancelled',
        stream: buildStream(build),
        data: { build: build.code, reason, removed, returned, actor: op.requestedBy },
      },
    ],
  };
};

function mergeByLot(items: { lotId: number; quantity: number }[]): { lotId: number; quantity: number }[] {
  const map = new Map<number, number>();
  for (const i of items) map.set(i.lotId, (map.get(i.lotId) ?? 0) + i.quantity);
  return [...map].map(([lotId, quantity]) => ({ lotId, quantity }));
}

const RUNNERS: Record<BuildOperationKind, Runner> = {
  start: runStart,
  advance: runAdvance,
  complete: runComplete,
  cancel: runCancel,
};

const runOperation = defineCommand({
  name: 'runBuildOperation',
  summary: 'Run a queued build operation (workers only)',
  role: 'admin',
  mode: 'write',
  input: z.strictObject({ operationId: z.int().positive() }),
  async run({ repos }, { operationId }) {
    const op = await repos.builds.findOperation(operationId, { lock: true });
    if (!op) throw new NotFoundError('build operation', String(operationId));
    if (op.status !== 'queued') return op; // already ran: nothing to do
    const build = (await repos.builds.findById(op.buildId, { lock: true }))!;
    const outcome = await RUNNERS[op.kind](repos, build, op);
    await repos.events.append(outcome.events);
    return repos.builds.finishOperation(op.id, { status: 'done', result: outcome.result });
  },
});

const failOperation = defineCommand({
  name: 'failBuildOperation',
  summary: 'Record why a build operation could not run (workers only)',
  role: 'admin',
  mode: 'write',
  input: z.strictObject({
    operationId: z.int().positive(),
    error: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
  async run({ repos }, { operationId, error, details }) {
    const op = await repos.builds.findOperation(operationId, { lock: true });
    if (!op || op.status !== 'queued') return op;
    const build = (await repos.builds.findById(op.buildId, { lock: true }))!;
    if (op.kind === 'start' && build.status === 'starting') {
      await repos.builds.update(build.id, {
        status: 'planned',
        startError: { message: error, ...(details as object) },
      });
    }
    return repos.builds.finishOperation(op.id, { status: 'failed', error });
  },
});

/**
 * Runs a queued operation. A broken rule (say, stock taken by someone else since the request)
 * rolls the attempt back entirely and is then recorded on the operation in a transaction of its
 * own — a start that fails returns the build to `planned` with the reason.
 */
export async function performBuildOperation(
  deps: CommandDeps,
  operationId: number,
): Promise<BuildOperation | null> {
  try {
    return await execute(deps, runOperation, SYSTEM_ACTOR, { operationId });
  } catch (error) {
    if (!(error instanceof DomainError) || error instanceof NotFoundError) throw error;
    return execute(deps, failOperation, SYSTEM_ACTOR, {
      operationId,
      error: error.message,
      details: error.details,
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Unit generation

/** Writes the next chunk of a tracked build's units, under the build's row lock. */
async function generateChunk(
  repos: Repositories,
  buildId: number,
  chunkSize: number,
  plan: UnitPlan | undefined,
) {
  {
    const build = await repos.builds.findById(buildId, { lock: true });
    if (!build || build.status !== 'in_progress' || !build.trackUnits)
      return {
        done: true,
        generated: build?.unitsGenerated ?? 0,
        quantity: build?.quantity ?? 0,
        written: 0,
      };
    const chunk = nextChunk(build.unitsGenerated, build.quantity, chunkSize);
    if (!chunk) return { done: true, generated: build.unitsGenerated, quantity: build.quantity, written: 0 };
    const unitPlan = plan ?? (await planUnits(repos, build));
    const count = chunk.last - chunk.first + 1;
    const codes = await repos.idCodes.allocate(count);
    const units = codes.map((code, i) => {
      const serial = chunk.first + i;
      const label =
        unitPlan.format && build.serialSeqStart !== null
          ? unitPlan.format.render(build.serialSeqStart + serial - 1, build.startedAt ?? new Date())
          : null;
      return { serial, code, serialLabel: label };
    });
    const links: { serial: number; childLotIds: number[]; childBuildIds: (number | null)[] }[] = [];
    for (let serial = chunk.first; serial <= chunk.last; serial++) {
      const children = unitPlan.pairing.get(serial);
      if (children && children.ids.length > 0)
        links.push({ serial, childLotIds: children.ids, childBuildIds: children.builds });
    }
    await repos.units.insertUnits({
      buildId: build.id,
      partId: build.producedPartId,
      locationId: unitPlan.locationId,
      status: producedStatus(build),
      actor: build.createdBy,
      units,
      links,
    });
    const events: NewEvent[] = [];
    const done = chunk.last === build.quantity;
    if (done) {
      events.push({
        type: 'lots.generated',
        stream: buildStream(build),
        data: { build: build.code, count: build.quantity, firstSerial: 1, lastSerial: build.quantity },
      });
    }
    const single = !isMultiStage(build);
    // Units scrapped while the build was generating are not completed.
    const completed = build.quantity - build.unitsScrapped;
    await repos.builds.update(build.id, {
      unitsGenerated: chunk.last,
      ...(done && single ? { status: 'completed', completedAt: 'now', unitsCompleted: completed } : {}),
    });
    if (done && single) {
      events.push({
        type: 'build.completed',
        stream: buildStream(build),
        data: { build: build.code, completed, scrapped: build.unitsScrapped },
      });
    }
    await repos.events.append(events);
    return { done, generated: chunk.last, quantity: build.quantity, written: count };
  }
}

interface UnitPlan {
  format: ReturnType<typeof compileSerialFormat> | null;
  locationId: number | null;
  pairing: Map<number, { ids: number[]; builds: (number | null)[] }>;
}

/** What every chunk of a build needs: its serial format, location and unit-to-unit pairing. */
async function planUnits(repos: Repositories, build: Build): Promise<UnitPlan> {
  const format = build.serialFormat ? compileSerialFormat(build.serialFormat) : null;
  const location = build.locationCode ? await repos.locations.findByCode(build.locationCode) : null;
  const pairing = new Map<number, { ids: number[]; builds: (number | null)[] }>();
  const consumed = (await repos.builds.consumptions(build.id)).filter((c) => c.isUnit);
  if (consumed.length > 0) {
    const project = (await repos.projects.findById(build.projectId))!;
    const perUnit = new Map(project.lines.map((l) => [l.partId, l.quantityPerUnit]));
    const partOfCode = new Map(consumed.map((c) => [c.lotCode, c.partId]));
    const buildOf = new Map(consumed.map((c) => [c.lotId, c.sourceBuildId]));
    for (const partId of new Set(consumed.map((c) => c.partId))) {
      const named = new Map<number, string[]>();
      for (const p of build.requestedPairing) {
        const codes = p.units.filter((u) => partOfCode.get(u) === partId);
        if (codes.length > 0) named.set(p.serial, codes);
      }
      const units = consumed
        .filter((c) => c.partId === partId)
        .map((c) => ({ id: c.lotId, code: c.lotCode }));
      for (const [serial, ids] of pairUnits(build.quantity, perUnit.get(partId) ?? 1, units, named)) {
        const entry = pairing.get(serial) ?? { ids: [], builds: [] };
        for (const id of ids) {
          entry.ids.push(id);
          entry.builds.push(buildOf.get(id) ?? null);
        }
        pairing.set(serial, entry);
      }
    }
  }
  return { format, locationId: location?.id ?? null, pairing };
}

/**
 * Generates a tracked build's units, one chunk per transaction, from where the last committed
 * chunk ended — a worker killed half-way leaves whole chunks behind, and the next run continues
 * after them. `onProgress` is told after every chunk.
 */
export async function generateUnits(
  deps: CommandDeps,
  buildId: number,
  options: {
    chunkSize?: number;
    /** After each chunk: units generated so far, the build's quantity, units this step wrote. */
    onProgress?: (generated: number, quantity: number, written: number) => Promise<void>;
  } = {},
): Promise<{ generated: number; quantity: number }> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const plan = await deps.uow.read(async (repos) => {
    const build = await repos.builds.findById(buildId);
    return build && build.status === 'in_progress' && build.trackUnits ? planUnits(repos, build) : undefined;
  });
  for (;;) {
    // The plan is computed once per run; the chunk command re-reads the build under its lock.
    const step = await deps.uow.transaction((repos) => generateChunk(repos, buildId, chunkSize, plan));
    await options.onProgress?.(step.generated, step.quantity, step.written);
    if (step.done) return { generated: step.generated, quantity: step.quantity };
  }
}

// ---------------------------------------------------------------------------------------------
// Units: scrap, look up

export const scrapUnits = defineCommand({
  name: 'scrapUnits',
  summary: "Scrap some of a build's units (in production or available), with a reason",
  role: 'operator',
  mode: 'write',
  input: z.strictObject({
    code: idCodeRef,
    serials: serialsInput,
    reason: z.string().trim().min(1).max(500),
  }),
  async run({ repos, actor }, { code, serials, reason }) {
    const build = await findBuild(repos, code, true);
    if (!build.trackUnits) throw new RuleViolation(`build ${build.code} does not track units`);
    const wanted =
      typeof serials === 'string' ? parseSerialRanges(serials, build.quantity) : [...new Set(serials)];
    // Those still in production first, so that the others are known to have been available.
    const writeOff = { to: 'scrapped', reason: 'scrap', note: reason, actor: actor.name } as const;
    const fromProduction = await repos.units.writeOff(build.id, {
      ...writeOff,
      from: ['in_production'],
      serials: wanted,
    });
    const left = new Set(wanted);
    for (const serial of fromProduction) left.delete(serial);
    const fromStock =
      left.size > 0
        ? await repos.units.writeOff(build.id, { ...writeOff, from: ['available'], serials: [...left] })
        : [];
    const scrapped = [...fromProduction, ...fromStock].sort((a, b) => a - b);
    if (scrapped.length === 0)
      throw new RuleViolation(
        `none of those units of build ${build.code} can be scrapped (not in production or available)`,
      );
    const events: NewEvent[] = [];
    for (const serial of scrapped) {
      const unit = (await repos.units.findBySerial(build.id, serial))!;
      events.push({
        type: 'lot.status_changed',
        stream: `lot:${unit.code}`,
        data: {
          lot: unit.code,
          part: unit.partCode,
          build: build.code,
          serial,
          to: 'scrapped',
          reason,
          actor: actor.name,
        },
      });
    }
    // The counters split a build's units into completed and scrapped (the database holds them to
    // that), so a completed unit scrapped later moves from one to the other. The available units of
    // a single-stage build still generating are not counted as completed until its last chunk.
    const generating = build.status === 'in_progress' && !isMultiStage(build);
    const completed = build.unitsCompleted - (generating ? 0 : fromStock.length);
    const scrappedTotal = build.unitsScrapped + scrapped.length;
    if (build.status === 'in_progress')
      events.push(...(await completeIfResolved(repos, build, completed, scrappedTotal)));
    else await repos.builds.update(build.id, { unitsCompleted: completed, unitsScrapped: scrappedTotal });
    await repos.events.append(events);
    return { scrapped, skipped: wanted.filter((s) => !scrapped.includes(s)) };
  },
});

export const getBuild = defineCommand({
  name: 'getBuild',
  summary: 'Show a build with its progress, stages and operations',
  role: 'viewer',
  mode: 'read',
  input: z.strictObject({ code: idCodeRef }),
  async run({ repos }, { code }) {
    const build = await findBuild(repos, code);
    return {
      ...build,
      operations: await repos.builds.listOperations(build.id),
      unitCounts: build.trackUnits ? await repos.units.countByStatus(build.id) : {},
    };
  },
});

export const listBuilds = defineCommand({
  name: 'listBuilds',
  summary: 'List builds, optionally of one project, in one status or created in a date range',
  role: 'viewer',
  mode: 'read',
  input: pageQuery.extend({
    project: idCodeRef.optional(),
    status: z.enum(BUILD_STATUSES).optional(),
    from: z.iso.date().optional(),
    to: z.iso.date().optional(),
  }),
  async run({ repos }, { limit, cursor, project, status, from, to }) {
    const projectId = project
      ? (await findOrFail('project', 'project', project, (c) => repos.projects.findByCode(c))).id
      : undefined;
    return repos.builds.list({ projectId, status, createdFrom: from, createdTo: to }, { limit, cursor });
  },
});

export const getConsumption = defineCommand({
  name: 'getBuildConsumption',
  summary: 'The component lots a build consumed, and how much (what a cancel returned)',
  role: 'viewer',
  mode: 'read',
  input: z.strictObject({ code: idCodeRef }),
  async run({ repos }, { code }) {
    const build = await findBuild(repos, code);
    return { items: await repos.builds.consumptions(build.id) };
  },
});

export const listUnits = defineCommand({
  name: 'listUnits',
  summary: "List a build's units (devices), optionally by status or serials",
  role: 'viewer',
  mode: 'read',
  input: pageQuery.extend({
    code: idCodeRef,
    status: z.enum(STOCK_STATUSES).optional(),
    serials: z.string().max(2000).optional(),
  }),
  async run({ repos }, { code, status, serials, limit, cursor }) {
    const build = await findBuild(repos, code);
    const wanted = serials ? parseSerialRanges(serials, build.quantity) : undefined;
    return repos.units.list(build.id, { status, serials: wanted }, { limit, cursor });
  },
});

export const getUnit = defineCommand({
  name: 'getUnit',
  summary: 'Look up a device by its build and serial number',
  role: 'viewer',
  mode: 'read',
  input: z.strictObject({
    code: idCodeRef,
    serial: z.coerce.number().int().positive().max(MAX_BUILD_QUANTITY),
  }),
  async run({ repos }, { code, serial }) {
    const build = await findBuild(repos, code);
    const unit = await repos.units.findBySerial(build.id, serial);
    if (!unit)
      throw new NotFoundError(
        'unit',
        `${build.code}/${serial}`,
        `build ${build.code} has no unit with serial ${serial}`,
        'serial',
      );
    return unit;
  },
});
