import { z } from 'zod';
import { HISTORY_KINDS, type HistoryEvent } from '../../domain/history.ts';
import { DEVICE_ACTIONS } from '../../domain/lifecycle.ts';
import { STOCK_STATUSES } from '../../domain/types.ts';
import { AttachmentOut } from './attachments.ts';
import { code, timestamp, type Assert, type SameKeys } from './common.ts';
import { LotOut } from './lots.ts';

export const HistoryItemOut = z
  .object({
    id: z.int(),
    kind: z.enum(HISTORY_KINDS),
    summary: z.string().describe('one human line'),
    actor: z.string(),
    occurredAt: timestamp.describe('when it was recorded'),
    data: z.record(z.string(), z.unknown()).describe("the event's fields, by kind"),
    corrects: z.int().nullable().describe('the event this correction refers to'),
    correctedBy: z.array(z.int()).describe('corrections recorded against this event'),
    attachments: z.array(AttachmentOut),
  })
  .meta({ id: 'HistoryEvent' });

type _HistoryEventKeys = Assert<
  SameKeys<z.output<typeof HistoryItemOut>, HistoryEvent, 'lotId' | 'lotCode', 'summary' | 'attachments'>
>;

export const TestResultOut = z
  .object({
    index: z.int().describe('position in the request'),
    event: z.int().describe('history event id'),
    lot: code,
    build: code.nullable(),
    serial: z.int().nullable(),
    test: z.string(),
    passed: z.boolean(),
    required: z.boolean().describe("the unit's project requires this test"),
    quarantined: z.boolean().describe('this failure quarantined the unit'),
  })
  .meta({ id: 'TestResult' });

export const BulkTestResultsOut = z
  .object({
    recorded: z.int(),
    failed: z.int(),
    quarantined: z.int(),
    items: z.array(TestResultOut),
  })
  .meta({ id: 'BulkTestResults' });

export const DeviceMoveOut = z
  .object({ lot: LotOut, event: z.int().describe('the history event recorded') })
  .meta({ id: 'DeviceMove' });

export const DeviceLifecycleOut = z
  .object({
    code,
    status: z.enum(STOCK_STATUSES),
    isDevice: z.boolean().describe('a unit with a serial number (lots keep the plain stock statuses)'),
    heldBy: code.nullable().describe('the device this unit sits in'),
    statusBeforeQuarantine: z.enum(STOCK_STATUSES).nullable(),
    repairedSinceReturn: z.boolean().nullable().describe('for a returned device'),
    allowed: z.array(z.enum(DEVICE_ACTIONS)).describe('lifecycle actions allowed now'),
  })
  .meta({ id: 'DeviceLifecycle' });

export const RequiredTestsOut = z
  .object({ project: code, tests: z.array(z.string()) })
  .meta({ id: 'RequiredTests' });
