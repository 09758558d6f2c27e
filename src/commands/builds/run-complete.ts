/**
 * Completing a multi-stage build, or some of its units (the `builds.complete` job): units in
 * production become available; the build is completed once every unit is completed or scrapped.
 */
import { formatSerialRanges, nextStage, type Build, type BuildOperation } from '../../domain/builds.ts';
import { RuleViolation } from '../../domain/errors.ts';
import type { NewEvent } from '../../domain/events.ts';
import type { Actor } from '../../domain/roles.ts';
import type { Repositories } from '../ports.ts';
import { recordEvents } from '../timeline.ts';
import type { StockStatus } from '../../domain/types.ts';
import { buildStream, skippedUnits, type Runner, type SkippedUnit } from './shared.ts';

/** Refuses completing units that lack a passing result of a required test, naming them. */
export function assertRequiredTests(
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

/** Marks a build completed when every unit is completed or scrapped; `actor` made it so. */
export async function completeIfResolved(
  repos: Repositories,
  build: Build,
  completed: number,
  scrapped: number,
  actor: string,
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
          data: { build: build.code, completed, scrapped, actor },
        },
      ]
    : [];
}

/** `build.units_completed`: some units became available and the build goes on (`serials` as ranges). */
function unitsCompleted(build: Build, serials: number[], completed: number, actor: string): NewEvent {
  return {
    type: 'build.units_completed',
    stream: buildStream(build),
    data: {
      build: build.code,
      serials: formatSerialRanges(serials),
      count: serials.length,
      completed,
      scrapped: build.unitsScrapped,
      quantity: build.quantity,
      actor,
    },
  };
}

export const runComplete: Runner = async (repos, build, op) => {
  if (build.status !== 'in_progress') throw new RuleViolation(`build ${build.code} is ${build.status}`);
  const pending = nextStage(build);
  if (pending) throw new RuleViolation(`stage '${pending.name}' of build ${build.code} is not completed yet`);
  let completedNow = 0;
  let skipped: SkippedUnit[] = [];
  let serialsNow: number[] = [];
  if (build.trackUnits) {
    if (build.unitsGenerated < build.quantity)
      throw new RuleViolation(`build ${build.code} is still generating its units`);
    const serials = op.params.serials as number[] | undefined;
    const missing = await repos.tests.missingRequired(build.id, serials);
    if (!op.params.force) assertRequiredTests(build, missing);
    serialsNow = await repos.units.changeStatus(build.id, 'in_production', 'available', serials);
    completedNow = serialsNow.length;
    if (missing.length > 0) await recordForcedCompletion(repos, op, missing);
    skipped = await skippedByComplete(repos, build, serials, serialsNow);
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
    op.requestedBy,
  );
  const buildCompleted = events.length > 0;
  // Only some units: the build goes on, and consumers hear which units are done.
  if (!buildCompleted && serialsNow.length > 0)
    events.push(unitsCompleted(build, serialsNow, build.unitsCompleted + completedNow, op.requestedBy));
  return {
    result: {
      completed: completedNow,
      buildCompleted,
      skipped: skipped.slice(0, MAX_SKIPPED_SHOWN),
      skippedCount: skipped.length,
    },
    events,
  };
};

/** Skipped units listed in an operation's result (all are counted). */
const MAX_SKIPPED_SHOWN = 1_000;

const completeSkipReason = (status: StockStatus): string =>
  status === 'quarantined'
    ? 'quarantined: release it (back to production) to complete it, or scrap it'
    : status === 'scrapped' || status === 'cancelled' || status === 'disposed'
      ? `it is ${status}`
      : `completed already (it is ${status})`;

/**
 * The units a complete left as they were, each with the reason: of the serials it named, every one
 * not completed now; completing the whole build, the quarantined units that keep it from completing.
 */
async function skippedByComplete(
  repos: Repositories,
  build: Build,
  serials: number[] | undefined,
  moved: number[],
): Promise<SkippedUnit[]> {
  if (serials) {
    const done = new Set(moved);
    return skippedUnits(
      repos,
      build.id,
      serials.filter((s) => !done.has(s)),
      completeSkipReason,
    );
  }
  const quarantined = await repos.units.list(
    build.id,
    { status: 'quarantined' },
    { limit: MAX_SKIPPED_SHOWN },
  );
  return quarantined.items.map((u) => ({
    serial: u.serial,
    status: u.status,
    reason: completeSkipReason(u.status),
  }));
}

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
