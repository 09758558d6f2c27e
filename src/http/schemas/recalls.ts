import { z } from 'zod';
import { RECALL_STATUSES, type Recall } from '../../domain/recalls.ts';
import { code, timestamp, type Assert, type SameKeys } from './common.ts';

export const RecallOut = z
  .object({
    id: z.int(),
    lotCode: code,
    filter: z.record(z.string(), z.unknown()),
    reason: z.string(),
    status: z.enum(RECALL_STATUSES),
    error: z.string().nullable().describe('why the report could not be written (status failed)'),
    devices: z.int().nullable(),
    report: z.string().nullable().describe('download path of the CSV report, once ready'),
    requestedBy: z.string(),
    createdAt: timestamp,
    finishedAt: timestamp.nullable(),
  })
  .meta({ id: 'Recall' });

type _RecallKeys = Assert<SameKeys<z.output<typeof RecallOut>, Recall, 'lotId' | 'fileKey', 'report'>>;
