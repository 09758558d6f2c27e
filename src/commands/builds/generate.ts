/**
 * Unit generation (the `lots.generate` job): a tracked build's units, one chunk per transaction,
 * from where the last committed chunk ended — a worker killed half-way leaves whole chunks behind,
 * and the next run, however many runs later, continues after them. The build's `generate`
 * operation says whether generation is still wanted; the last chunk finishes it (and completes a
 * single-stage build) in the same transaction.
 */
import { autoPrintBuild } from '../printing/auto.ts';
import { isMultiStage, nextChunk, pairUnits, producedStatus, type Build } from '../../domain/builds.ts';
import type { NewEvent } from '../../domain/events.ts';
import { compileSerialFormat } from '../../domain/serial-format.ts';
import type { CommandDeps } from '../define.ts';
import type { Repositories } from '../ports.ts';
import { failBuildOperation } from './operations.ts';
import { buildStream, DEFAULT_CHUNK_SIZE } from './shared.ts';

interface UnitPlan {
  format: ReturnType<typeof compileSerialFormat> | null;
  locationId: number | null;
  pairing: Map<number, { ids: number[]; builds: (number | null)[] }>;
}

interface ChunkOutcome {
  done: boolean;
  generated: number;
  quantity: number;
  written: number;
}

/** The build and its queued generation, or null when there is nothing (left) to generate. */
async function generationOf(repos: Repositories, buildId: number, operationId: number | undefined) {
  const build = await repos.builds.findById(buildId, { lock: true });
  if (!build) return null;
  const op = operationId
    ? await repos.builds.findOperation(operationId)
    : await repos.builds.queuedGeneration(build.id);
  if (!op || op.kind !== 'generate' || op.status !== 'queued' || op.buildId !== build.id) return { build };
  if (build.status !== 'in_progress' || !build.trackUnits) return { build };
  return { build, op };
}

/** Writes the next chunk of a tracked build's units, under the build's row lock. */
async function generateChunk(
  repos: Repositories,
  buildId: number,
  operationId: number | undefined,
  chunkSize: number,
  plan: UnitPlan | undefined,
): Promise<ChunkOutcome> {
  const found = await generationOf(repos, buildId, operationId);
  const build = found?.build;
  const idle = {
    done: true,
    generated: build?.unitsGenerated ?? 0,
    quantity: build?.quantity ?? 0,
    written: 0,
  };
  if (!found?.op || !build) return idle;
  const op = found.op;
  const chunk = nextChunk(build.unitsGenerated, build.quantity, chunkSize);
  const events: NewEvent[] = [];
  let written = 0;
  if (chunk) {
    const unitPlan = plan ?? (await planUnits(repos, build));
    written = chunk.last - chunk.first + 1;
    const codes = await repos.idCodes.allocate(written);
    const serialDate = build.serialDate ?? build.startedAt ?? new Date();
    const units = codes.map((code, i) => {
      const serial = chunk.first + i;
      const label =
        unitPlan.format && build.serialSeqStart !== null
          ? unitPlan.format.render(build.serialSeqStart + serial - 1, serialDate)
          : null;
      return { serial, code, serialLabel: label };
    });
    const links: { serial: number; childLotIds: number[]; childBuildIds: (number | null)[] }[] = [];
    for (let serial = chunk.first; serial <= chunk.last; serial++) {
      const children = unitPlan.pairing.get(serial);
      if (children && children.ids.length > 0)
        links.push({ serial, childLotIds: children.ids, childBuildIds: children.builds });
    }
    await repos.stock.open({ reason: 'build_produce', actor: build.createdBy, buildId: build.id }, () =>
      repos.units.insertUnits({
        buildId: build.id,
        partId: build.producedPartId,
        locationId: unitPlan.locationId,
        status: producedStatus(build),
        units,
        links,
      }),
    );
  }
  const generated = chunk ? chunk.last : build.unitsGenerated;
  const done = generated === build.quantity;
  const single = !isMultiStage(build);
  // Units scrapped while the build was generating are not completed.
  const completed = build.quantity - build.unitsScrapped;
  await repos.builds.update(build.id, {
    unitsGenerated: generated,
    ...(done && single ? { status: 'completed', completedAt: 'now', unitsCompleted: completed } : {}),
  });
  if (done) {
    await repos.builds.finishOperation(op.id, { status: 'done', result: { generated } });
    events.push({
      type: 'lots.generated',
      stream: buildStream(build),
      data: { build: build.code, count: build.quantity, firstSerial: 1, lastSerial: build.quantity },
    });
    if (single)
      events.push({
        type: 'build.completed',
        stream: buildStream(build),
        data: { build: build.code, completed, scrapped: build.unitsScrapped, actor: op.requestedBy },
      });
  }
  await repos.events.append(events);
  // Its units exist now: the project's printer prints their labels when told to.
  if (done) await autoPrintBuild(repos, build, op.requestedBy);
  return { done, generated, quantity: build.quantity, written };
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
 * Generates a tracked build's units, one chunk per transaction. `onProgress` is told after every
 * chunk. Jobs queued before generation was an operation of its own name only the build.
 */
export async function generateUnits(
  deps: CommandDeps,
  target: { buildId: number; operationId?: number | undefined },
  options: {
    chunkSize?: number;
    /** After each chunk: units generated so far, the build's quantity, units this step wrote. */
    onProgress?: (generated: number, quantity: number, written: number) => Promise<void>;
  } = {},
): Promise<{ generated: number; quantity: number }> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const plan = await deps.uow.read(async (repos) => {
    const build = await repos.builds.findById(target.buildId);
    return build && build.status === 'in_progress' && build.trackUnits ? planUnits(repos, build) : undefined;
  });
  for (;;) {
    // The plan is computed once per run; the chunk re-reads the build under its lock.
    const step = await deps.uow.transaction((repos) =>
      generateChunk(repos, target.buildId, target.operationId, chunkSize, plan),
    );
    await options.onProgress?.(step.generated, step.quantity, step.written);
    if (step.done) return { generated: step.generated, quantity: step.quantity };
  }
}

/** Settles a unit generation a worker gave up on: the build is `blocked` with the reason. */
export async function settleGeneration(
  deps: CommandDeps,
  target: { buildId: number; operationId?: number | undefined },
  reason: string,
): Promise<void> {
  const operationId =
    target.operationId ?? (await deps.uow.read((repos) => repos.builds.queuedGeneration(target.buildId)))?.id;
  if (operationId !== undefined) await failBuildOperation(deps, operationId, reason);
}
