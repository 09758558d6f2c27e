/**
 * Build operations: a request records one (start, advance, complete, cancel) and asks for its job in
 * the same transaction; a worker runs it (`performBuildOperation`); when it cannot run, it is settled
 * (`failBuildOperation`): marked failed with the reason, the build put where a person can act (a
 * start back to `planned` with its reservation released, a unit generation `blocked`), and
 * `build.operation_failed` announced — all in one transaction. Every step is idempotent: a repeated
 * request joins the operation already queued or answers with the one already done; a job run twice,
 * or a settle after the operation finished, finds nothing left to do.
 */
import { z } from 'zod';
import {
  assertOperationAllowed,
  type Build,
  type BuildOperation,
  type RequestedOperationKind,
} from '../../domain/builds.ts';
import { ConflictError, DomainError, NotFoundError } from '../../domain/errors.ts';
import { SYSTEM_ACTOR, type Actor } from '../../domain/roles.ts';
import { defineCommand, execute, type CommandDeps } from '../define.ts';
import type { Repositories } from '../ports.ts';
import { reserveForStart } from './consumption.ts';
import { runAdvance } from './run-advance.ts';
import { runCancel } from './run-cancel.ts';
import { runComplete } from './run-complete.ts';
import { runStart } from './run-start.ts';
import { buildStream, findBuild, operationJob, type Runner } from './shared.ts';

const RUNNERS: Record<RequestedOperationKind, Runner> = {
  start: runStart,
  advance: runAdvance,
  complete: runComplete,
  cancel: runCancel,
};

/**
 * Records an operation a person requested and asks for its job. A start is accepted here: its
 * components and formatted serials are reserved, or it is refused with the shortages.
 */
export async function requestOperation(
  repos: Repositories,
  actor: Actor,
  code: string,
  kind: RequestedOperationKind,
  params: Record<string, unknown>,
  precheck?: (build: Build) => Promise<void>,
): Promise<{ build: Build; operation: BuildOperation }> {
  let build = await findBuild(repos, code, true);
  const queued = await repos.builds.queuedOperation(build.id);
  if (queued) {
    if (queued.kind === kind && JSON.stringify(queued.params) === JSON.stringify(params))
      return { build, operation: queued };
    if (kind === 'cancel' && queued.kind === 'start') {
      // A cancel overtakes a start that has not run: nothing was consumed yet.
      await repos.builds.finishOperation(queued.id, {
        status: 'failed',
        error: `cancelled by ${actor.name} before it ran`,
      });
    } else
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
  if (kind === 'start') {
    const serials = await reserveForStart(repos, build);
    build = await repos.builds.update(build.id, {
      status: 'starting',
      startError: null,
      ...(serials ?? {}),
    });
  }
  const operation = await repos.builds.insertOperation({
    buildId: build.id,
    kind,
    params,
    requestedBy: actor.name,
  });
  await repos.jobs.enqueue(operationJob(operation));
  return { build, operation };
}

/** The operation and its build, locked in that order (build first, as every request locks it). */
async function lockOperation(repos: Repositories, operationId: number) {
  const peek = await repos.builds.findOperation(operationId);
  if (!peek) throw new NotFoundError('build operation', String(operationId));
  const build = (await repos.builds.findById(peek.buildId, { lock: true }))!;
  const op = (await repos.builds.findOperation(operationId, { lock: true }))!;
  return { build, op };
}

const runOperation = defineCommand({
  name: 'runBuildOperation',
  summary: 'Run a queued build operation (workers only)',
  role: 'admin',
  mode: 'write',
  input: z.strictObject({ operationId: z.int().positive() }),
  async run({ repos }, { operationId }) {
    const { build, op } = await lockOperation(repos, operationId);
    if (op.status !== 'queued' || op.kind === 'generate') return op; // already ran, or not ours
    const outcome = await RUNNERS[op.kind](repos, build, op);
    await repos.events.append(outcome.events);
    return repos.builds.finishOperation(op.id, { status: 'done', result: outcome.result });
  },
});

export const settleBuildOperation = defineCommand({
  name: 'settleBuildOperation',
  summary:
    'Record why a build operation could not run, and put its build where a person can act (workers only)',
  role: 'admin',
  mode: 'write',
  input: z.strictObject({
    operationId: z.int().positive(),
    error: z.string().min(1).max(4000),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
  async run({ repos }, { operationId, error, details }) {
    const { build, op } = await lockOperation(repos, operationId);
    if (op.status !== 'queued') return op;
    let status = build.status;
    if (op.kind === 'start' && build.status === 'starting') {
      await repos.stock.release(build.id);
      status = 'planned';
      await repos.builds.update(build.id, {
        status,
        startError: { message: error, ...(details as object) },
      });
    }
    if (op.kind === 'generate' && build.status === 'in_progress') {
      status = 'blocked';
      await repos.builds.update(build.id, {
        status,
        blocked: { reason: error, operation: op.kind, operationId: op.id, since: new Date().toISOString() },
      });
    }
    const failed = await repos.builds.finishOperation(op.id, { status: 'failed', error });
    await repos.events.append([
      {
        type: 'build.operation_failed',
        stream: buildStream(build),
        data: {
          build: build.code,
          operation: op.kind,
          operationId: op.id,
          reason: error,
          status,
          ...(op.kind === 'generate' ? { generated: build.unitsGenerated, quantity: build.quantity } : {}),
          actor: op.requestedBy,
        },
      },
    ]);
    return failed;
  },
});

/** Settles an operation a worker gave up on (see `settleBuildOperation`). */
export function failBuildOperation(
  deps: CommandDeps,
  operationId: number,
  error: string,
  details?: Record<string, unknown>,
): Promise<BuildOperation> {
  return execute(deps, settleBuildOperation, SYSTEM_ACTOR, {
    operationId,
    error: error.slice(0, 4000),
    ...(details ? { details } : {}),
  });
}

/**
 * Runs a queued operation. A broken rule (say, stock quarantined since the request) rolls the attempt
 * back entirely and settles the operation in a transaction of its own — a start that fails returns
 * the build to `planned` with the reason. Anything else is thrown for the job to retry.
 */
export async function performBuildOperation(
  deps: CommandDeps,
  operationId: number,
): Promise<BuildOperation | null> {
  try {
    return await execute(deps, runOperation, SYSTEM_ACTOR, { operationId });
  } catch (error) {
    if (!(error instanceof DomainError) || error instanceof NotFoundError) throw error;
    return failBuildOperation(deps, operationId, error.message, error.details);
  }
}
