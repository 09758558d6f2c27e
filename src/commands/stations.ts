/**
 * The scan stations' use case (#17): one scan at a station of one flow, as the station's actor.
 * Whatever drives a station — the pages' `/station/<flow>`, Slack, the CLI — sends the scan with
 * what the station remembers (its settings, a pending first scan) and gets back what to show and
 * what to remember next. The steps' rules (which step a scan is, the pending scan, the install
 * step's repair, the identifier's kind) are in src/domain/stations.ts.
 *
 * Each scan is one transaction: every command a step runs (the unit looked up, the result recorded,
 * the lot received and its label asked for) commits together, or, refused, none does.
 */
import { z } from 'zod';
import { DomainError, ValidationError } from '../domain/errors.ts';
import { parseScan } from '../domain/scans.ts';
import { STATION_FLOWS, type StationFlow } from '../domain/sessions.ts';
import { parseMeasurements } from '../domain/slack-commands.ts';
import {
  identifierKindFor,
  installMode,
  installRepair,
  pendingAfter,
  stationStep,
  type PendingScan,
  type StationStep,
} from '../domain/stations.ts';
import type { Lot } from '../domain/types.ts';
import { getUnit } from './builds.ts';
import { resolveCode } from './codes.ts';
import { defineCommand, runWithin, type CommandContext, type CommandRunner } from './define.ts';
import { recordRepair, recordTestResult } from './history.ts';
import { addIdentifier } from './identifiers.ts';
import { requestLabels } from './labels.ts';
import { getLot } from './lots.ts';
import { receiveSupplierScan } from './receiving.ts';
import { addToShipment } from './shipments.ts';

/** A setting as the station keeps it; blank is the same as not set. */
const setting = (description: string) =>
  z
    .string()
    .max(2_000)
    .optional()
    .transform((value) => (value && value.trim() !== '' ? value.trim() : undefined))
    .describe(description);

/** The settings a scan reads (a station keeps others too: they are ignored here). */
const stationSettings = z.object({
  test: setting('test: the test this station records'),
  passed: setting("test: 'false' records a failure; anything else a pass"),
  station: setting('test: the station name recorded with each result'),
  measurements: setting('test: measurements recorded with each result (`vout=3.31, fw=1.4.2`)'),
  shipment: setting('ship: the open shipment units are packed into (its id)'),
  mode: setting("install: 'repair' at a repair station; otherwise an assembly step"),
  kind: setting('identify: the identifier kind; empty: told from the value (MAC, IMEI, ICCID)'),
  location: setting('receive: the location a received lot is put in'),
  printer: setting("receive: the printer a received lot's label is sent to"),
});
type StationSettings = z.output<typeof stationSettings>;

const pendingScan = z.object({ code: z.string().min(1).max(100), label: z.string().max(500) });

/** A station scan that was done: the tally line, the object it was about, what the station waits for. */
export interface StationScanDone {
  ok: true;
  /** The tally line, in the product's words. */
  message: string;
  /** The device or lot the scan was about (a page links it to `/id/<code>`). */
  code: string;
  /** What the station waits for next: a two-scan flow's first half, or null. */
  pending: PendingScan | null;
}

/** A refused scan: the refusal's own words; the station is as it was. */
export interface StationScanRefused {
  ok: false;
  message: string;
  code: null;
  pending: PendingScan | null;
}

export type StationScanOutcome = StationScanDone | StationScanRefused;

/** How a tally names a device or lot: its printed serial, `code #serial`, or its code. */
const named = (lot: Lot) =>
  lot.serialLabel ?? (lot.serial !== null ? `${lot.code} #${lot.serial}` : lot.code);

/** The device or lot a scan names (a label's URL, a code, a formatted serial, or build/serial). */
async function scannedLot(ctx: CommandContext, text: string): Promise<Lot> {
  const scan = parseScan(text);
  if (scan.kind === 'empty') throw ValidationError.field('scan', 'is empty: scan a label');
  if (scan.kind === 'object' && scan.serial !== null)
    return runWithin(ctx, getUnit, { code: scan.code, serial: scan.serial });
  const target = await runWithin(ctx, resolveCode, {
    code: scan.kind === 'object' ? scan.code : scan.text.slice(0, 100),
  });
  if (target.kind !== 'lot')
    throw ValidationError.field('scan', `${target.code} is a ${target.kind}, not a unit or a lot`);
  return runWithin(ctx, getLot, { code: target.code });
}

/** One scan's step: the tally line, the object, and the first half of a two-scan step. */
async function scanStep(
  ctx: CommandContext,
  s: StationSettings,
  step: StationStep,
  text: string,
): Promise<{ message: string; code: string; scanned: PendingScan }> {
  const done = (lot: Lot, message: string) => ({
    message,
    code: lot.code,
    scanned: { code: lot.code, label: named(lot) },
  });
  switch (step.flow) {
    case 'test': {
      if (!s.test) throw ValidationError.field('scan', 'choose the test in the station settings first');
      const unit = await scannedLot(ctx, text);
      const measured = parseMeasurements(s.measurements ?? '');
      const result = await runWithin(ctx, recordTestResult, {
        code: unit.code,
        test: s.test,
        passed: s.passed !== 'false',
        station: s.station,
        measurements:
          measured.ok && Object.keys(measured.measurements).length ? measured.measurements : undefined,
      });
      return done(unit, `${named(unit)}: ${result.test} ${result.passed ? 'passed' : 'failed'}`);
    }
    case 'ship': {
      if (!s.shipment) throw ValidationError.field('scan', 'open a shipment in the station settings first');
      const unit = await scannedLot(ctx, text);
      const added = await runWithin(ctx, addToShipment, { shipment: Number(s.shipment), unit: unit.code });
      return done(
        unit,
        added.already
          ? `${named(unit)} is in this shipment already (${added.count} units)`
          : `${named(unit)} packed (${added.count} unit${added.count === 1 ? '' : 's'})`,
      );
    }
    case 'install': {
      const lot = await scannedLot(ctx, text);
      if (step.step === 'module') return done(lot, `${named(lot)}: now scan the device it goes into`);
      await runWithin(ctx, recordRepair, {
        code: lot.code,
        ...installRepair(installMode(s.mode), step.module),
      });
      return done(lot, `${step.module.label} installed in ${named(lot)}`);
    }
    case 'identify': {
      if (step.step === 'unit') {
        const unit = await scannedLot(ctx, text);
        if (unit.serial === null)
          throw ValidationError.field('scan', `${unit.code} is a lot, not a unit: scan a unit`);
        return done(unit, `${named(unit)}: now scan its identifier`);
      }
      const value = text.trim();
      const kind = identifierKindFor(s.kind, value);
      if (!kind)
        throw ValidationError.field(
          'scan',
          `cannot tell what '${value.slice(0, 40)}' is: choose the identifier in the settings`,
        );
      const added = await runWithin(ctx, addIdentifier, { code: step.unit.code, kind, value });
      return {
        message: `${step.unit.label}: ${added.identifier.kind} ${added.identifier.value}${added.created ? '' : ' (had it already)'}`,
        code: step.unit.code,
        scanned: step.unit,
      };
    }
    case 'receive': {
      const received = await runWithin(ctx, receiveSupplierScan, {
        scan: text,
        location: s.location,
      });
      const lot = received.lot;
      let printed = '';
      if (s.printer) {
        const labels = await runWithin(ctx, requestLabels, { lots: [lot.code], printer: s.printer });
        printed = `; label sent to ${s.printer} (run ${labels.id})`;
      }
      return done(lot, `lot ${lot.code}: ${lot.quantity} × ${received.parsed.mpn ?? lot.partCode}${printed}`);
    }
  }
}

export const recordStationScan = defineCommand({
  name: 'recordStationScan',
  summary:
    'One scan at a scan station (test, ship, install, identify, receive): the flow’s command run on what was scanned, in one transaction; answers the tally line and what the station waits for next',
  role: 'operator',
  mode: 'write',
  input: z.strictObject({
    flow: z.enum(STATION_FLOWS),
    scan: z
      .string()
      .max(100_000)
      .describe(
        'what the scanner read: a label’s URL, an ID code, a formatted serial, a supplier’s code, an identifier',
      ),
    settings: stationSettings.prefault({}),
    pending: pendingScan
      .nullable()
      .default(null)
      .describe('the first half of a two-scan step (install: the module; identify: the unit)'),
  }),
  async run(ctx, { flow, scan, settings, pending }): Promise<StationScanDone> {
    const step = stationStep(flow, pending);
    const { message, code, scanned } = await scanStep(ctx, settings, step, scan);
    return { ok: true, message, code, pending: pendingAfter(step, scanned, pending) };
  },
});

/** A refused scan as a station shows it: what was scanned, then the refusal's own words. */
export function refusedScan(
  input: { scan: string; pending?: PendingScan | null },
  error: DomainError,
): StationScanRefused {
  const reason =
    error instanceof ValidationError && error.problems[0] ? error.problems[0].message : error.message;
  return {
    ok: false,
    message: `${input.scan.trim().slice(0, 60)}: ${reason}`,
    code: null,
    pending: input.pending ?? null,
  };
}

/**
 * Runs {@link recordStationScan} through a transport's runner and answers every refusal as a
 * {@link StationScanRefused} (anything else — a fault, not a refusal — is thrown on).
 */
export async function scanAtStation(
  run: CommandRunner,
  input: {
    flow: StationFlow;
    scan: string;
    settings: Record<string, string>;
    pending: PendingScan | null;
  },
): Promise<StationScanOutcome> {
  try {
    return await run(recordStationScan, input);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return refusedScan(input, error);
  }
}
