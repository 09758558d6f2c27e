import { z } from 'zod';
import { LABEL_RUN_STATUSES, LABEL_SYMBOLS, type LabelRun } from '../../domain/labels.ts';
import { timestamp, type Assert, type SameKeys } from './common.ts';
import { SlackDeliveryOut } from './slack.ts';

export const LabelRunOut = z
  .object({
    id: z.int(),
    template: z.string(),
    source: z.record(z.string(), z.unknown()).describe('what is printed'),
    total: z.int(),
    done: z.int(),
    percent: z.int(),
    status: z.enum(LABEL_RUN_STATUSES),
    pages: z.int().nullable(),
    bytes: z.int().nullable(),
    error: z.string().nullable(),
    download: z.string().nullable().describe('path of the PDF once done'),
    requestedBy: z.string(),
    dpi: z.int().describe('printer resolution the PDF is laid out for'),
    publicUrl: z
      .string()
      .nullable()
      .describe("where the labels' 2D codes point (`<publicUrl>/id/<code>`): PUBLIC_URL when requested"),
    symbol: z
      .enum(LABEL_SYMBOLS)
      .describe(
        "the 2D code printed: 'url' (a code of publicUrl/id/<code>) or 'gs1' (GS1 DataMatrix of the UDI)",
      ),
    warnings: z
      .array(z.string())
      .describe(
        'what may make the labels useless though they print, e.g. codes pointing at a loopback PUBLIC_URL (localhost) that no scanner can open',
      ),
    printerId: z.int().nullable().describe('the printer it is sent to; null for a PDF run'),
    printed: z.int().describe('labels the printer confirmed printed (print runs)'),
    pausedState: z
      .string()
      .nullable()
      .describe(
        'why a paused run paused: a printer state (paper-out, head-open, paused, unreachable …), in-doubt, disabled or requested',
      ),
    pausedReason: z
      .string()
      .nullable()
      .describe('what happened and how far it got, e.g. "Zebra line 2: out of labels — 120 of 500 printed"'),
    pausedAt: timestamp.nullable(),
    reprintOf: z.int().nullable().describe('the run it prints again'),
    reason: z.string().nullable().describe("a reprint's reason"),
    trigger: z
      .string()
      .nullable()
      .describe('auto:build or auto:lot for automatic printing; null when a person asked'),
    prints: z.string().nullable().describe('path of the per-label print records (print runs)'),
    createdAt: timestamp,
    finishedAt: timestamp.nullable(),
    slack: SlackDeliveryOut.nullable()
      .optional()
      .describe('the PDF upload to Slack, when the run was asked for from Slack (`GET /labels/{id}` only)'),
  })
  .meta({ id: 'LabelRun' });

type _LabelRunKeys = Assert<
  SameKeys<
    z.output<typeof LabelRunOut>,
    LabelRun,
    'fileKey',
    'percent' | 'download' | 'warnings' | 'slack' | 'prints'
  >
>;

export const LabelTemplateOut = z
  .object({
    name: z.string(),
    description: z.string(),
    symbology: z.enum(['qr', 'datamatrix']),
    labelsPerPage: z.int(),
    dpi: z.int().describe('default printer resolution (the first of `dpis`)'),
    dpis: z
      .array(z.int())
      .describe('printer resolutions the template is laid out for; a run may ask for any'),
  })
  .meta({ id: 'LabelTemplate' });
