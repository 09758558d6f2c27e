import * as builds from '../../commands/builds.ts';
import { buildProgress, type Build } from '../../domain/builds.ts';
import { route } from '../route.ts';
import {
  BuildDetailOut,
  BuildOut,
  BuildRequestOut,
  ConsumptionOut,
  LotOut,
  ScrapOut,
  pageOf,
} from '../schemas.ts';

const tag = 'Builds';

/** A build as the API shows it: its counters folded into one progress object (`buildProgress`). */
export function presentBuild<B extends Build>(build: B) {
  return { ...build, progress: buildProgress(build) };
}

const presentRequest = (r: { build: Build; operation: unknown }) => ({
  build: presentBuild(r.build),
  operation: r.operation,
});

const ASYNC =
  'Answers 202 with the queued operation; a worker runs it. The same request while it is queued joins it; after it ran, answers with what happened. Poll `GET /builds/{code}`.';

export const buildRoutes = [
  route({
    method: 'get',
    path: '/builds',
    tag,
    command: builds.listBuilds,
    response: pageOf(BuildOut),
    present: (page: { items: Build[]; nextCursor: string | null }) => ({
      ...page,
      items: page.items.map(presentBuild),
    }),
  }),
  route({
    method: 'post',
    path: '/builds',
    tag,
    command: builds.createBuild,
    status: 201,
    response: BuildRequestOut,
    present: presentRequest,
    description:
      'Creates the build and (unless `start: false`) requests its start. Stock is checked first: a shortage is answered with 422 and the list of parts short (`shortages`), and nothing is created.',
  }),
  route({
    method: 'get',
    path: '/builds/{code}',
    tag,
    command: builds.getBuild,
    response: BuildDetailOut,
    present: (b: Build) => presentBuild(b),
  }),
  route({
    method: 'post',
    path: '/builds/{code}/start',
    tag,
    command: builds.startBuild,
    status: 202,
    response: BuildRequestOut,
    present: presentRequest,
    description: ASYNC,
  }),
  route({
    method: 'post',
    path: '/builds/{code}/advance',
    tag,
    command: builds.advanceBuild,
    status: 202,
    response: BuildRequestOut,
    present: presentRequest,
    description: ASYNC,
  }),
  route({
    method: 'post',
    path: '/builds/{code}/complete',
    tag,
    command: builds.completeBuild,
    status: 202,
    response: BuildRequestOut,
    present: presentRequest,
    description: ASYNC,
  }),
  route({
    method: 'post',
    path: '/builds/{code}/cancel',
    tag,
    command: builds.cancelBuild,
    status: 202,
    response: BuildRequestOut,
    present: presentRequest,
    description: ASYNC,
  }),
  route({
    method: 'post',
    path: '/builds/{code}/retry',
    tag,
    command: builds.retryBuild,
    status: 202,
    response: BuildRequestOut,
    present: presentRequest,
    description:
      'The way out of a build whose work stopped: a `blocked` build continues its unit generation where it stopped; a build whose last operation failed has it requested again (a planned build whose start failed is started again, its components reserved anew). 409/422 when there is nothing to retry. ' +
      ASYNC,
  }),
  route({
    method: 'get',
    path: '/builds/{code}/consumption',
    tag,
    command: builds.getBuildConsumption,
    response: pageOf(ConsumptionOut).omit({ nextCursor: true }),
  }),
  route({
    method: 'get',
    path: '/builds/{code}/units',
    tag,
    command: builds.listUnits,
    response: pageOf(LotOut),
  }),
  route({
    method: 'get',
    path: '/builds/{code}/units/{serial}',
    tag,
    command: builds.getUnit,
    response: LotOut,
  }),
  route({
    method: 'post',
    path: '/builds/{code}/units/scrap',
    tag,
    command: builds.scrapUnits,
    response: ScrapOut,
  }),
];
