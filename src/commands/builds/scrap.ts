/** Scrapping some of a build's units, with a reason. */
import { z } from 'zod';
import { isMultiStage, type Build } from '../../domain/builds.ts';
import { RuleViolation } from '../../domain/errors.ts';
import type { NewEvent } from '../../domain/events.ts';
import { defineCommand } from '../define.ts';
import type { Repositories } from '../ports.ts';
import { idCodeRef } from '../validation.ts';
import { completeIfResolved } from './run-complete.ts';
import { findBuild, resolveSerials, serialsInput } from './shared.ts';

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
    const wanted = resolveSerials(serials, build.quantity);
    // Those still in production first, so that the others are known to have been available.
    const scrap = async (from: 'in_production' | 'available', list: number[]) => {
      const gone = await repos.units.writeOff(build.id, { from: [from], to: 'scrapped', serials: list });
      await takeOut(repos, gone, reason, actor.name, build.id);
      return gone.map((u) => u.serial);
    };
    const fromProduction = await scrap('in_production', wanted);
    const left = new Set(wanted);
    for (const serial of fromProduction) left.delete(serial);
    const fromStock = left.size > 0 ? await scrap('available', [...left]) : [];
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
    events.push(
      ...(await countScrapped(repos, build, {
        fromProduction: fromProduction.length,
        fromStock: fromStock.length,
        actor: actor.name,
      })),
    );
    await repos.events.append(events);
    return { scrapped, skipped: wanted.filter((s) => !scrapped.includes(s)) };
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

/** Takes written-off units out of stock through the stock door. */
function takeOut(
  repos: Repositories,
  units: { lotId: number }[],
  note: string,
  actor: string,
  buildId: number,
) {
  return repos.stock.move(
    units.map((u) => ({ lotId: u.lotId, delta: -1, reason: 'scrap' as const, note, actor, buildId })),
  );
}
