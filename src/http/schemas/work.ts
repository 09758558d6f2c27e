import { z } from 'zod';
import {
  STRANDED_CAUSES,
  STRANDED_OUTCOMES,
  WORK_ACTIONS,
  WORK_ACTION_CAUSES,
  type InvariantCheck,
  type StrandedReport,
  type StrandedWork,
  type WorkAction,
} from '../../domain/work-types.ts';
import { timestamp, type Assert, type SameKeys } from './common.ts';

const strandedWork = z.object({
  subject: z
    .string()
    .describe('`build_operation:12`, `label_run:3`, `recall:7`, `webhook_delivery:9`, `event_fanout:<job>`'),
  describe: z.string(),
  job: z.string(),
  carrierJobId: z.string().describe('the queue job that should carry it'),
  carrierState: z.string().describe('what the queue says of that job: missing, failed or completed'),
  carrierReason: z.string().nullable(),
  action: z.enum(WORK_ACTIONS),
  cause: z.enum(STRANDED_CAUSES),
  detail: z.string(),
  progress: z.int(),
  redrivesWithoutProgress: z.int(),
  since: timestamp,
  outcome: z.enum(STRANDED_OUTCOMES).nullable(),
});
type _StrandedWorkKeys = Assert<SameKeys<z.output<typeof strandedWork>, StrandedWork>>;

const strandedReport = z.object({
  ran: z.boolean(),
  at: timestamp,
  ms: z.int(),
  stranded: z.array(strandedWork),
});

type _StrandedReportKeys = Assert<SameKeys<z.output<typeof strandedReport>, StrandedReport>>;

export const WorkReportOut = z
  .object({
    problems: z.int().describe('stranded work plus broken rules: 0 when all is well'),
    inFlight: z.record(z.string(), z.int()).describe('subjects in flight, by source'),
    stranded: strandedReport.nullable(),
    invariants: z
      .array(
        z.object({
          name: z.string(),
          description: z.string(),
          violations: z.int(),
          examples: z.array(z.string()),
        }),
      )
      .nullable(),
    awaitingAction: z.array(
      z.object({
        subject: z.string(),
        describe: z.string(),
        reason: z.string().nullable(),
        since: timestamp,
      }),
    ),
    recentActions: z.array(
      z.object({
        subject: z.string(),
        job: z.string(),
        action: z.enum(WORK_ACTIONS),
        cause: z.enum(WORK_ACTION_CAUSES),
        baseJobId: z.string(),
        jobId: z.string().nullable(),
        detail: z.string().nullable(),
        progress: z.int(),
        actor: z.string(),
        createdAt: timestamp,
      }),
    ),
  })
  .meta({ id: 'WorkReport' });

export const ReconcileOut = WorkReportOut.extend({ pass: strandedReport }).meta({ id: 'ReconcileReport' });

type WorkReport = z.output<typeof WorkReportOut>;
type _InvariantKeys = Assert<SameKeys<NonNullable<WorkReport['invariants']>[number], InvariantCheck>>;
type _WorkActionKeys = Assert<SameKeys<WorkReport['recentActions'][number], WorkAction, 'id'>>;
