import { z } from 'zod';
import type { TracedLot } from '../../domain/trace.ts';
import { STOCK_STATUSES } from '../../domain/types.ts';
import { code, timestamp, type Assert, type SameKeys } from './common.ts';

const tracedLotFields = {
  code,
  partCode: code,
  partName: z.string(),
  status: z.enum(STOCK_STATUSES),
  quantity: z.int(),
  serial: z.int().nullable(),
  serialLabel: z.string().nullable(),
  buildCode: code.nullable(),
};

export const TraceNodeOut: z.ZodType = z
  .lazy(() =>
    z.object({
      lot: z.object({
        ...tracedLotFields,
        supplier: z.string().nullable(),
        supplierOrder: z.string().nullable(),
        dateCode: z.string().nullable(),
      }),
      build: z
        .object({
          code,
          projectName: z.string(),
          startedAt: timestamp.nullable(),
          completedAt: timestamp.nullable(),
        })
        .nullable(),
      components: z.array(
        z.object({
          quantity: z.int(),
          node: TraceNodeOut,
          installedBy: z.int().optional().describe('history event id of the repair that put this lot in'),
        }),
      ),
      contains: z.array(TraceNodeOut),
      truncated: z.boolean().optional(),
    }),
  )
  .meta({ id: 'TraceNode' });

export const ForwardTraceOut = z
  .object({
    lot: z.object({ code, partCode: code }),
    total: z.int().describe('lots reached (after filters)'),
    byStatus: z.record(z.string(), z.int()),
    builds: z.array(z.object({ code, projectName: z.string(), depth: z.int(), affected: z.int() })),
    items: z.array(
      z.object({
        ...tracedLotFields,
        locationCode: code.nullable(),
        customer: z.string().nullable().describe("the device's latest shipment"),
        depth: z.int(),
      }),
    ),
    nextCursor: z.string().nullable(),
  })
  .meta({ id: 'ForwardTrace' });

type _TracedLotKeys = Assert<SameKeys<z.output<typeof ForwardTraceOut>['items'][number], TracedLot, 'id'>>;
