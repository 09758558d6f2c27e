/**
 * An IPP printer's own words (`printer-state`, `printer-state-reasons`, RFC 8011 §5.4.11–12 and
 * PWG 5100.9) turned into the product's {@link PrinterStatus}.
 */
import type { PrinterState, PrinterStatus } from '../domain/printers.ts';
import type { IppValue } from './ipp-wire.ts';

/** `printer-state` values. */
export const PRINTER_STATE = { idle: 3, processing: 4, stopped: 5 } as const;

/** `job-state` values (RFC 8011 §5.3.7). */
export const JOB_STATE = {
  pending: 3,
  pendingHeld: 4,
  processing: 5,
  processingStopped: 6,
  canceled: 7,
  aborted: 8,
  completed: 9,
} as const;

/** What the driver reads of a job. */
export interface JobInfo {
  id: number;
  name: string;
  state: number;
  reasons: string[];
  impressions: number;
}

export const num = (values: IppValue[] | undefined): number | undefined => {
  const v = values?.[0];
  return typeof v === 'number' ? v : undefined;
};

export function jobInfo(attributes: Map<string, IppValue[]>): JobInfo {
  const name = attributes.get('job-name')?.[0];
  return {
    id: num(attributes.get('job-id')) ?? 0,
    name: typeof name === 'string' ? name : '',
    state: num(attributes.get('job-state')) ?? 0,
    reasons: (attributes.get('job-state-reasons') ?? []).filter((v): v is string => typeof v === 'string'),
    impressions: num(attributes.get('job-impressions-completed')) ?? 0,
  };
}

/** Labels on `impressions` pages (sheets or single labels), at most `count`. */
export function labelsOn(impressions: number, perPage: number, count: number): number {
  return Math.max(0, Math.min(count, impressions * perPage));
}

/** Reasons that stop a printer, most specific first, with what a person is told. */
const FAULTS: { reasons: string[]; state: PrinterState; message: string }[] = [
  { reasons: ['media-jam', 'cutter-jam'], state: 'jammed', message: 'labels jammed' },
  { reasons: ['media-empty', 'media-needed'], state: 'paper-out', message: 'out of labels' },
  {
    reasons: ['cover-open', 'door-open', 'interlock-open'],
    state: 'head-open',
    message: 'print head, cover or door open',
  },
  { reasons: ['marker-supply-empty'], state: 'ribbon-out', message: 'ribbon used up' },
  { reasons: ['paused', 'moving-to-paused'], state: 'paused', message: 'paused on the printer' },
];

/**
 * The reasons without their severity suffix (`-error`, `-warning`, `-report`). The suffix is not
 * trusted to say whether printing stopped: a label printer has one roll, and printers differ (CUPS's
 * ippeveprinter suffixes by its state, `media-empty-warning` while a job waits for labels), so the
 * keywords in {@link FAULTS} are faults at any severity; other keywords (`media-low`) never are.
 */
export function faultReasons(reasons: readonly string[]): string[] {
  return reasons.filter((r) => r !== 'none').map((r) => r.replace(/-(error|warning|report)$/, ''));
}

const strings = (values: IppValue[] | undefined): string[] =>
  (values ?? []).filter((v): v is string => typeof v === 'string');
const first = (values: IppValue[] | undefined): IppValue | undefined => values?.[0];

/** The status a Get-Printer-Attributes answer (the printer group) says; `where` names the printer. */
export function printerStatus(attributes: Map<string, IppValue[]>, where: string): PrinterStatus {
  const printerState = first(attributes.get('printer-state'));
  const reasons = strings(attributes.get('printer-state-reasons'));
  const stateMessage = first(attributes.get('printer-state-message'));
  const queued = first(attributes.get('queued-job-count'));
  const accepting = first(attributes.get('printer-is-accepting-jobs'));
  const detail: Record<string, unknown> = {
    printerState,
    printerStateReasons: reasons,
    ...(typeof stateMessage === 'string' && stateMessage ? { printerStateMessage: stateMessage } : {}),
    ...(typeof accepting === 'boolean' ? { acceptingJobs: accepting } : {}),
  };
  for (const name of ['printer-make-and-model', 'printer-name', 'printer-firmware-string-version']) {
    const value = strings(attributes.get(name));
    if (value.length > 0)
      detail[name.replace(/-(\w)/g, (_, c: string) => c.toUpperCase())] = value.join(', ');
  }
  const formats = strings(attributes.get('document-format-supported'));
  if (formats.length > 0) detail.documentFormats = formats;
  const pending = typeof queued === 'number' ? { pending: queued } : {};
  const make = (state: PrinterState, message: string): PrinterStatus => ({
    state,
    ready: state === 'ready',
    message,
    ...pending,
    detail,
  });

  const active = faultReasons(reasons);
  for (const fault of FAULTS) {
    const hit = active.find((r) => fault.reasons.includes(r));
    if (hit) return make(fault.state, `${fault.message} (${hit}) at ${where}`);
  }
  const said = typeof stateMessage === 'string' && stateMessage ? `: ${stateMessage}` : '';
  if (printerState === PRINTER_STATE.stopped) {
    const why = active.length > 0 ? reasons.join(', ') : 'no reason given';
    return make('error', `printer stopped (${why}) at ${where}${said}`);
  }
  if (accepting === false) return make('error', `printer is not accepting jobs at ${where}${said}`);
  if (printerState === PRINTER_STATE.processing) return make('printing', `printing at ${where}`);
  if (printerState === PRINTER_STATE.idle) return make('ready', `ready at ${where}`);
  return make('error', `unknown printer-state ${String(printerState)} at ${where}${said}`);
}

/** The status of a printer that could not be reached. */
export function unreachableStatus(message: string): PrinterStatus {
  return { state: 'unreachable', ready: false, message };
}

/** Whether the printer reports something that stops it printing (not merely busy). */
export function isFault(status: PrinterStatus): boolean {
  return status.state !== 'ready' && status.state !== 'printing';
}
