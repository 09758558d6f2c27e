/**
 * Automatic printing: a project or a location whose printer assignment says `autoPrint` gets its
 * labels printed without anyone asking — a tracked build's unit labels in the transaction that
 * makes its last units, a lot's label in the one that receives it. Off unless an admin turns it on.
 * The run is an ordinary print run (trigger `auto:build` / `auto:lot`): it pauses, resumes and can
 * be cancelled like any other.
 */
import type { LabelSource } from '../../domain/labels.ts';
import type { LabelRun, Repositories } from '../ports.ts';
import { enqueuePrint } from './runs.ts';

async function autoRun(
  repos: Repositories,
  scope: { scope: 'project' | 'location'; id: number },
  source: LabelSource,
  trigger: string,
  requestedBy: string,
): Promise<LabelRun | null> {
  const assignment = await repos.printers.assignment(scope.scope, scope.id);
  if (!assignment?.autoPrint) return null;
  const printer = (await repos.printers.findById(assignment.printerId))!;
  const total = await repos.labels.count(source);
  if (total === 0) return null;
  const run = await repos.labels.insert({
    template: printer.template,
    dpi: printer.dpi,
    source,
    total,
    requestedBy,
    printerId: printer.id,
    trigger,
  });
  await enqueuePrint(repos, run);
  return run;
}

/** Prints a tracked build's unit labels when its project's printer says so (its units now exist). */
export function autoPrintBuild(
  repos: Repositories,
  build: { id: number; code: string; projectId: number; trackUnits: boolean },
  requestedBy: string,
): Promise<LabelRun | null> {
  if (!build.trackUnits) return Promise.resolve(null);
  return autoRun(
    repos,
    { scope: 'project', id: build.projectId },
    { kind: 'build', buildId: build.id, buildCode: build.code, includeScrapped: false },
    'auto:build',
    requestedBy,
  );
}

/** Prints received lots' labels when their location's printer says so. */
export function autoPrintLots(
  repos: Repositories,
  lotIds: number[],
  locationId: number | null,
  requestedBy: string,
): Promise<LabelRun | null> {
  if (locationId === null || lotIds.length === 0) return Promise.resolve(null);
  return autoRun(
    repos,
    { scope: 'location', id: locationId },
    { kind: 'lots', lotIds },
    'auto:lot',
    requestedBy,
  );
}
