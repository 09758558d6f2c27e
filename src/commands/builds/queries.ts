/** Reading builds, their consumption and their units. */
import { z } from 'zod';
import { BUILD_STATUSES, MAX_BUILD_QUANTITY, parseSerialRanges } from '../../domain/builds.ts';
import { NotFoundError } from '../../domain/errors.ts';
import { STOCK_STATUSES } from '../../domain/types.ts';
import { defineCommand } from '../define.ts';
import { findOrFail } from '../lookup.ts';
import { idCodeRef, pageQuery, serialList } from '../validation.ts';
import { findBuild } from './shared.ts';
import { slackDeliveryOf } from '../slack-delivery.ts';

export const getBuildOutline = defineCommand({
  name: 'getBuildOutline',
  summary:
    "A build's own fields and stages, without its operations, unit counts or reservations (what a device's page shows of its build)",
  role: 'viewer',
  mode: 'read',
  input: z.strictObject({ code: idCodeRef }),
  run: ({ repos }, { code }) => findBuild(repos, code),
});

export const getBuild = defineCommand({
  name: 'getBuild',
  summary: 'Show a build with its progress, stages, operations and the stock it holds reserved',
  role: 'viewer',
  mode: 'read',
  input: z.strictObject({ code: idCodeRef }),
  async run({ repos }, { code }) {
    const build = await findBuild(repos, code);
    return {
      ...build,
      operations: await repos.builds.listOperations(build.id),
      unitCounts: build.trackUnits ? await repos.units.countByStatus(build.id) : {},
      reserved: await repos.stock.reservations(build.id),
      /** Its message in Slack, when the build was started from Slack. */
      slack: await slackDeliveryOf(repos, `build:${build.code}`),
    };
  },
});

export const listBuilds = defineCommand({
  name: 'listBuilds',
  summary: 'List builds, optionally of one project, in one status or created in a date range',
  role: 'viewer',
  mode: 'read',
  reads: 'replica',
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

export const getBuildConsumption = defineCommand({
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
  reads: 'replica',
  input: pageQuery.extend({
    code: idCodeRef,
    status: z.enum(STOCK_STATUSES).optional(),
    serials: serialList.optional(),
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
