import { z } from 'zod';
import type { Consumption } from '../../domain/build-types.ts';
import {
  BUILD_OPERATIONS,
  BUILD_OPERATION_STATUSES,
  BUILD_STATUSES,
  type Build,
  type BuildOperation,
  type BuildStage,
} from '../../domain/builds.ts';
import { STOCK_STATUSES } from '../../domain/types.ts';
import { code, shortage, timestamp, type Assert, type SameKeys } from './common.ts';
import { SlackDeliveryOut } from './slack.ts';

export const BuildStageOut = z.object({
  position: z.int(),
  name: z.string(),
  completedAt: timestamp.nullable(),
  completedBy: z.string().nullable(),
  comment: z.string().nullable(),
});
type _BuildStageKeys = Assert<SameKeys<z.output<typeof BuildStageOut>, BuildStage>>;

export const BuildOperationOut = z
  .object({
    id: z.int(),
    kind: z
      .enum(BUILD_OPERATIONS)
      .describe('`generate`: the units of a tracked build, requested by its start (or by a retry)'),
    params: z.record(z.string(), z.unknown()),
    status: z.enum(BUILD_OPERATION_STATUSES),
    result: z
      .record(z.string(), z.unknown())
      .nullable()
      .describe(
        'what it did; a `complete` answers `completed`, `buildCompleted`, and `skipped` — each unit it left as it was, `{serial, status, reason}` (a quarantined unit, one completed already …; the first 1,000, all counted in `skippedCount`)',
      ),
    error: z.string().nullable(),
    requestedBy: z.string(),
    createdAt: timestamp,
    finishedAt: timestamp.nullable(),
  })
  .meta({ id: 'BuildOperation' });
type _BuildOperationKeys = Assert<SameKeys<z.output<typeof BuildOperationOut>, BuildOperation, 'buildId'>>;

export const BuildOut = z
  .object({
    code,
    projectCode: code,
    projectName: z.string(),
    producedPartCode: code,
    quantity: z.int(),
    status: z
      .enum(BUILD_STATUSES)
      .describe('`blocked`: a worker gave up on its unit generation (see `blocked`); retry or cancel it'),
    trackUnits: z.boolean(),
    addStock: z.boolean(),
    stages: z.array(BuildStageOut),
    serialFormat: z.string().nullable(),
    progress: z
      .object({
        generated: z.int().describe('units made (a tracked build generates them in chunks)'),
        completed: z.int().describe('units completed (available, or moved on since)'),
        scrapped: z.int().describe('units scrapped (by serial, by code, or from quarantine)'),
        cancelled: z.int().describe('units a cancel took out unfinished (their status is `cancelled`)'),
        quantity: z.int(),
        generatedPercent: z.int().describe('generated / quantity, rounded down'),
        completedPercent: z.int().describe('completed / quantity, rounded down'),
      })
      .describe(
        "the build's counters; a tracked build's `unitCounts` (units by status) agree with them: scrapped = unitCounts.scrapped (+ disposed since), cancelled = unitCounts.cancelled",
      ),
    note: z.string().nullable(),
    locationCode: code.nullable(),
    createdBy: z.string(),
    createdAt: timestamp,
    startedAt: timestamp.nullable(),
    completedAt: timestamp.nullable(),
    cancelledAt: timestamp.nullable(),
    startError: z.object({ message: z.string(), shortages: z.array(shortage).optional() }).nullable(),
    blocked: z
      .object({
        reason: z.string(),
        operation: z.enum(BUILD_OPERATIONS),
        operationId: z.int(),
        since: z.string(),
      })
      .nullable()
      .describe('why a blocked build stopped; `POST /builds/{code}/retry` continues, cancel gives up'),
  })
  .meta({ id: 'Build' });
/** A build's own fields the API leaves out: internal ids, and the counters `progress` folds in. */
type BuildHidden =
  | 'id'
  | 'projectId'
  | 'producedPartId'
  | 'serialSeqStart'
  | 'serialDate'
  | 'unitsGenerated'
  | 'unitsCompleted'
  | 'unitsScrapped'
  | 'unitsCancelled'
  | 'requestedLots'
  | 'requestedPairing';
type _BuildKeys = Assert<SameKeys<z.output<typeof BuildOut>, Build, BuildHidden, 'progress'>>;

export const BuildDetailOut = BuildOut.extend({
  operations: z.array(BuildOperationOut),
  unitCounts: z.record(z.string(), z.int()).describe('tracked units by stock status'),
  reserved: z
    .array(z.object({ lotCode: code, quantity: z.int() }))
    .describe('component stock held for the build between the acceptance of its start and the start'),
  slack: SlackDeliveryOut.nullable()
    .optional()
    .describe("the build's message in Slack (null when it was not started from Slack)"),
}).meta({ id: 'BuildDetail' });

export const BuildRequestOut = z
  .object({ build: BuildOut, operation: BuildOperationOut.nullable() })
  .meta({ id: 'BuildRequest' });

export const ConsumptionOut = z
  .object({
    lotCode: code,
    partCode: code,
    partName: z.string(),
    quantity: z.int(),
    returned: z.int(),
    supplier: z.string().nullable(),
    supplierOrder: z.string().nullable(),
    dateCode: z.string().nullable(),
    serial: z.int().nullable(),
    sourceBuildCode: code.nullable(),
  })
  .meta({ id: 'Consumption' });
type _ConsumptionKeys = Assert<
  SameKeys<
    z.output<typeof ConsumptionOut>,
    Consumption,
    'id' | 'lotId' | 'partId' | 'isUnit' | 'sourceBuildId'
  >
>;

const SkippedUnitOut = z.object({
  serial: z.int(),
  status: z.enum(STOCK_STATUSES).nullable().describe('null: no such unit'),
  reason: z.string(),
});
export const ScrapOut = z.object({
  scrapped: z.array(z.int()),
  skipped: z.array(SkippedUnitOut).describe('the serials named that were left as they were, and why'),
});
