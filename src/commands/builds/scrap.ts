/**
 * Scrapping some of a build's units, with a reason: one way to scrap, one record. Units in
 * production, available or quarantined (a failed test) are scrapped; each gets a `status_changed`
 * history event with the reason (its timeline and page say so) and `lot.status_changed`, and the
 * build's counters move. Scrapping a device by its own code (`scrapDevice`) comes here too when the
 * device is its build's business (in production, or quarantined from production).
 */
import { z } from 'zod';
import { isMultiStage, type Build } from '../../domain/builds.ts';
import { RuleViolation } from '../../domain/errors.ts';
import type { NewEvent } from '../../domain/events.ts';
import type { Actor } from '../../domain/roles.ts';
import { defineCommand } from '../define.ts';
import type { Repositories } from '../ports.ts';
import { idCodeRef, text } from '../validation.ts';
import { completeIfResolved } from './run-complete.ts';
import { findBuild, resolveSerials, serialsInput, skippedUnits } from './shared.ts';
import { removeWrittenOff } from './write-off.ts';

/**
 * Scraps these units of a (locked) build: takes them out of stock, records each one's history and
 * moves the build's counters. Answers the serials scrapped, those skipped with the reason, and each
 * scrapped unit's history event.
 */
export async function scrapBuildUnits(
  repos: Repositories,
  actor: Actor,
  build: Build,
  wanted: number[],
  reason: string,
) {
  if (!build.trackUnits) throw new RuleViolation(`build ${build.code} does not track units`);
  const gone = await repos.units.writeOff(build.id, {
    from: ['in_production', 'available', 'quarantined'],
    to: 'scrapped',
    serials: wanted,
  });
  const scrapped = gone.map((g) => g.serial);
  const taken = new Set(scrapped);
  const skipped = await skippedUnits(
    repos,
    build.id,
    wanted.filter((s) => !taken.has(s)),
    (status) => `it is ${status}${status === 'scrapped' ? ' already' : ''}`,
  );
  if (gone.length === 0)
    throw new RuleViolation(
      `none of those units of build ${build.code} can be scrapped (only units in production, available or quarantined): ` +
        skipped
          .slice(0, 20)
          .map((s) => `${s.serial}: ${s.reason}`)
          .join('; '),
      { skipped: skipped.slice(0, 1000) },
    );
  const events = await removeWrittenOff(repos, actor, build, gone, {
    to: 'scrapped',
    ledger: 'scrap',
    note: reason,
    reason,
  });
  const fromProduction = gone.filter(
    (g) => g.from === 'in_production' || g.beforeQuarantine === 'in_production',
  ).length;
  await repos.events.append(
    await countScrapped(repos, build, {
      fromProduction,
      fromStock: gone.length - fromProduction,
      actor: actor.name,
    }),
  );
  return { scrapped, skipped, events };
}

export const scrapUnits = defineCommand({
  name: 'scrapUnits',
  summary:
    "Scrap some of a build's units (in production, available or quarantined), with a reason; each gets a history event",
  role: 'operator',
  mode: 'write',
  input: z.strictObject({
    code: idCodeRef,
    serials: serialsInput,
    reason: text(500),
  }),
  async run({ repos, actor }, { code, serials, reason }) {
    const build = await findBuild(repos, code, true);
    if (!build.trackUnits) throw new RuleViolation(`build ${build.code} does not track units`);
    const wanted = resolveSerials(serials, build.quantity);
    const { scrapped, skipped } = await scrapBuildUnits(repos, actor, build, wanted, reason);
    return { scrapped, skipped };
  },
});

/**
 * Moves a build's counters for units just scrapped (by serial here, or one by its own code through
 * `scrapDevice`): the counters split a build's units into completed and scrapped (the database holds
 * them to that), so a completed unit scrapped later moves from one to the other. The available units
 * of a single-stage build still generating are not counted as completed until its last chunk. A
 * build in progress whose units are all resolved completes.
 */
export async function countScrapped(
  repos: Repositories,
  build: Build,
  units: { fromProduction: number; fromStock: number; actor: string },
): Promise<NewEvent[]> {
  const generating = (build.status === 'in_progress' || build.status === 'blocked') && !isMultiStage(build);
  const completed = build.unitsCompleted - (generating ? 0 : units.fromStock);
  const scrapped = build.unitsScrapped + units.fromProduction + units.fromStock;
  if (build.status === 'in_progress')
    return completeIfResolved(repos, build, completed, scrapped, units.actor);
  await repos.builds.update(build.id, { unitsCompleted: completed, unitsScrapped: scrapped });
  return [];
}
