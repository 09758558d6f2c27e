/**
 * Cancelling a build (the `builds.cancel` job). Whatever state it is in short of completed:
 * - planned or starting: its reservation is released, nothing was consumed;
 * - in progress or blocked: the units it has not made give their components back to the lots they
 *   came from. A multi-stage build removes its in-production stock (those units were not finished:
 *   they become `cancelled`, each with a `status_changed` history event, counted in `unitsCancelled`);
 *   a single-stage build stopped during unit generation keeps the units it made (they are completed
 *   devices) and gives back the components of the rest. A unit generation still queued is ended.
 */
import { isMultiStage, returnPlan } from '../../domain/builds.ts';
import { RuleViolation } from '../../domain/errors.ts';
import type { Actor } from '../../domain/roles.ts';
import { buildStream, type Runner } from './shared.ts';
import { removeWrittenOff } from './write-off.ts';

function mergeByLot(items: { lotId: number; quantity: number }[]): { lotId: number; quantity: number }[] {
  const map = new Map<number, number>();
  for (const i of items) map.set(i.lotId, (map.get(i.lotId) ?? 0) + i.quantity);
  return [...map].map(([lotId, quantity]) => ({ lotId, quantity }));
}

export const runCancel: Runner = async (repos, build, op) => {
  if (build.status === 'cancelled' || build.status === 'completed')
    throw new RuleViolation(`build ${build.code} is ${build.status}`);
  const reason = String(op.params.reason ?? '');
  const actor: Actor = { name: op.requestedBy, role: 'operator' };
  await repos.stock.release(build.id);
  const generation = await repos.builds.queuedGeneration(build.id);
  if (generation)
    await repos.builds.finishOperation(generation.id, {
      status: 'failed',
      error: `build cancelled by ${op.requestedBy}: ${reason}`,
    });
  let removed = 0;
  let kept = 0;
  let writtenOff: number[] = [];
  let completed = build.unitsCompleted;
  const giveBack: { consumptionId: number; lotId: number; quantity: number }[] = [];
  if (build.status === 'in_progress' || build.status === 'blocked') {
    const consumptions = await repos.builds.consumptions(build.id);
    const project = (await repos.projects.findById(build.projectId))!;
    const perUnit = new Map(project.lines.map((l) => [l.partId, l.quantityPerUnit]));
    if (build.trackUnits) {
      if (isMultiStage(build)) {
        // Unfinished units (in production, or quarantined while in production) are cancelled.
        const gone = await repos.units.writeOff(build.id, {
          from: ['in_production', 'quarantined'],
          quarantinedFrom: ['in_production'],
          to: 'cancelled',
        });
        await removeWrittenOff(repos, actor, build, gone, {
          to: 'cancelled',
          ledger: 'build_cancel',
          note: reason,
          reason: `build cancelled: ${reason}`,
          extra: { build: build.code },
        });
        removed = gone.length;
        writtenOff = gone.map((u) => u.lotId);
      } else {
        // The devices made so far exist and stay; only units never made are undone.
        completed = build.unitsGenerated - build.unitsScrapped;
        kept = completed;
      }
      // Sub-assembly units go back exactly as the devices that held them are removed (or were never made).
      await repos.units.unlinkChildren(writtenOff, `build ${build.code} cancelled`);
      for (const u of await repos.units.unheldConsumedUnits(build.id)) giveBack.push({ ...u, quantity: 1 });
      giveBack.push(
        ...returnPlan(
          consumptions.filter((c) => !c.isUnit),
          perUnit,
          build.quantity - completed - build.unitsScrapped,
        ),
      );
    } else {
      const produced = await repos.lots.producedBy(build.id, 'in_production');
      await repos.stock.move(
        produced.map((lot) => ({
          lotId: lot.id,
          delta: -lot.quantity,
          reason: 'build_cancel' as const,
          note: reason,
          actor: op.requestedBy,
          buildId: build.id,
        })),
      );
      for (const lot of produced) {
        await repos.lots.update(lot.id, { status: 'cancelled' });
        removed += lot.quantity;
      }
      giveBack.push(...returnPlan(consumptions, perUnit, build.quantity - completed - build.unitsScrapped));
    }
    await repos.stock.move(
      mergeByLot(giveBack).map((g) => ({
        lotId: g.lotId,
        delta: g.quantity,
        reason: 'build_return' as const,
        actor: op.requestedBy,
        buildId: build.id,
      })),
    );
    for (const item of giveBack) await repos.builds.addReturned(item.consumptionId, item.quantity);
  }
  await repos.builds.update(build.id, {
    status: 'cancelled',
    cancelledAt: 'now',
    blocked: null,
    unitsCancelled: build.unitsCancelled + removed,
    ...(completed !== build.unitsCompleted ? { unitsCompleted: completed } : {}),
  });
  const returned = giveBack.reduce((n, g) => n + g.quantity, 0);
  return {
    result: { removed, returned, kept },
    events: [
      {
        type: 'build.cancelled',
        stream: buildStream(build),
        data: { build: build.code, reason, removed, returned, kept, actor: op.requestedBy },
      },
    ],
  };
};
