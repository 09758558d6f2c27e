/**
 * Starting a build (the `builds.start` job): its reservation becomes consumption. The reservation is
 * released and the lots planned again under their locks — the same lots, unless one was quarantined
 * or expired meanwhile, in which case another is taken or the start fails with the shortage (and the
 * build goes back to `planned`). Untracked stock is created at once; a tracked build asks for its
 * unit generation.
 */
import { isMultiStage, producedStatus } from '../../domain/builds.ts';
import { RuleViolation } from '../../domain/errors.ts';
import type { NewEvent } from '../../domain/events.ts';
import { planConsumption, reserveSerials } from './consumption.ts';
import { buildStream, operationJob, shortageError, type Runner } from './shared.ts';

export const runStart: Runner = async (repos, build, op) => {
  if (build.status !== 'starting')
    throw new RuleViolation(`build ${build.code} is ${build.status}, not starting`);
  await repos.stock.release(build.id);
  const { allocations, shortages } = await planConsumption(repos, build);
  if (shortages.length > 0) throw shortageError(build, shortages);
  await repos.stock.move(
    allocations.map((a) => ({
      lotId: a.lotId,
      delta: -a.quantity,
      reason: 'build_consume' as const,
      actor: op.requestedBy,
      buildId: build.id,
    })),
  );
  await repos.builds.recordConsumptions(build.id, allocations);

  // Serials are reserved when the start is accepted; a start accepted before that rule reserves now.
  const serials =
    build.trackUnits && build.serialFormat && build.serialSeqStart === null
      ? await reserveSerials(repos, build)
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
    const created = await repos.stock.open(
      { reason: 'build_produce', actor: op.requestedBy, buildId: build.id },
      () =>
        repos.lots.insert({
          code: code!,
          partId: build.producedPartId,
          locationId: location?.id ?? null,
          quantity: build.quantity,
          status: producedStatus(build),
          source: 'build',
          buildId: build.id,
        }),
    );
    lot = created.code;
  }
  const completesNow = !build.trackUnits && !isMultiStage(build);
  await repos.builds.update(build.id, {
    status: completesNow ? 'completed' : 'in_progress',
    startedAt: 'now',
    ...(serials ?? {}),
    ...(completesNow ? { completedAt: 'now', unitsCompleted: build.quantity } : {}),
  });
  if (completesNow) {
    events.push({
      type: 'build.completed',
      stream: buildStream(build),
      data: { build: build.code, completed: build.quantity, scrapped: 0, lot, actor: op.requestedBy },
    });
  }
  let generation: number | null = null;
  if (build.trackUnits) {
    const generate = await repos.builds.insertOperation({
      buildId: build.id,
      kind: 'generate',
      params: {},
      requestedBy: op.requestedBy,
    });
    await repos.jobs.enqueue(operationJob(generate));
    generation = generate.id;
  }
  return { result: { consumed: allocations.length, lot, generating: build.trackUnits, generation }, events };
};
