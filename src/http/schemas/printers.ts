import { z } from 'zod';
import {
  ASSIGNMENT_SCOPES,
  PRINTER_DRIVERS,
  PRINTER_STATES,
  PRINT_RECORD_STATUSES,
  type Printer,
  type PrinterAssignment,
  type PrintRecord,
} from '../../domain/printers.ts';
import { timestamp, type Assert, type SameKeys } from './common.ts';

export const PrinterStatusOut = z
  .object({
    state: z.enum(PRINTER_STATES),
    ready: z.boolean(),
    message: z.string().describe('what the printer says, for a person'),
    pending: z.int().optional().describe('labels it holds but has not printed yet'),
    counter: z.int().optional().describe("the printer's own count of labels printed (ZPL odometer)"),
    detail: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: 'PrinterStatus' });

export const PrinterOut = z
  .object({
    id: z.int(),
    name: z.string(),
    driver: z.enum(PRINTER_DRIVERS),
    address: z.string(),
    template: z.string().describe('the label stock it holds'),
    dpi: z.int(),
    locationId: z.int().nullable(),
    description: z.string().nullable(),
    enabled: z.boolean(),
    state: z
      .enum(PRINTER_STATES)
      .nullable()
      .describe('its last status read, by a print job or the printer watch'),
    stateMessage: z.string().nullable(),
    stateAt: timestamp.nullable(),
    version: z.int(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Printer' });

type _PrinterKeys = Assert<SameKeys<z.output<typeof PrinterOut>, Printer>>;

export const PrinterAssignmentOut = z
  .object({
    scope: z.enum(ASSIGNMENT_SCOPES),
    scopeId: z.int(),
    printerId: z.int(),
    autoPrint: z.boolean(),
    assignedBy: z.string(),
    updatedAt: timestamp,
  })
  .meta({ id: 'PrinterAssignment' });

type _AssignmentKeys = Assert<SameKeys<z.output<typeof PrinterAssignmentOut>, PrinterAssignment>>;

export const PrinterDetailOut = PrinterOut.extend({
  live: PrinterStatusOut.nullable().describe('its status read now (null where this process has no driver)'),
  openRuns: z.int().describe('print runs queued, printing or paused on it'),
  assignments: z
    .array(PrinterAssignmentOut)
    .describe('projects and locations whose labels it prints by default'),
}).meta({ id: 'PrinterDetail' });

export const PrinterAssignmentDetailOut = PrinterAssignmentOut.extend({ printer: z.string() }).meta({
  id: 'PrinterAssignmentDetail',
});

export const PrintRecordOut = z
  .object({
    seq: z.int().describe('position in the run, from 1'),
    code: z.string().describe("the labelled object's ID code"),
    status: z.enum(PRINT_RECORD_STATUSES),
    batchKey: z.string().nullable().describe('the batch it was last sent in'),
    attempts: z
      .int()
      .describe('times sent (more than once only when the printer certainly did not print it)'),
    sentAt: timestamp.nullable(),
    confirmedAt: timestamp.nullable(),
  })
  .meta({ id: 'PrintRecord' });

type _PrintRecordKeys = Assert<SameKeys<z.output<typeof PrintRecordOut>, PrintRecord>>;
