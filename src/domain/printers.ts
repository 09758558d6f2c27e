/**
 * Printers: the label printers on the line, and the contract every printer driver keeps.
 *
 * Glossary
 * - **printer**: a named label printer buildtrace sends labels to — its driver (the language it
 *   speaks), its address, the stock it holds (a label template) and its resolution.
 * - **driver**: how buildtrace talks to one kind of printer: `zpl` (Zebra and compatibles, raw TCP
 *   9100), `brother-ql` (Brother QL raster, raw TCP 9100), `ipp` (IPP Everywhere printers and CUPS
 *   queues). Implemented in `src/printers/`.
 * - **print record**: one label of a print run — queued, then sent, then confirmed (the printer says
 *   it printed it) or failed. The records are the truth of what was printed: a label is sent again
 *   only when its record says it was certainly not printed, and never once it is confirmed.
 * - **batch**: the labels sent to a printer in one go, sized to the printer (a job never runs for
 *   minutes), each batch confirmed before the next is sent.
 * - **mark**: what a driver reads from the printer just before a batch is sent (a label counter, a
 *   job name) so that, after a crash, a dropped connection or a pause, it can tell how many of the
 *   batch's labels the printer went on to print.
 */
import { ValidationError } from './errors.ts';
import type { LabelContent } from './labels.ts';

export const PRINTER_DRIVERS = ['zpl', 'brother-ql', 'ipp'] as const;
export type PrinterDriverName = (typeof PRINTER_DRIVERS)[number];

/**
 * What a printer says about itself, in the product's words:
 * - `ready`: idle and able to print.
 * - `printing`: busy with labels it holds (buffered formats, pages, jobs).
 * - `paper-out`: out of labels (media out).
 * - `ribbon-out`: thermal-transfer ribbon used up.
 * - `head-open`: print head, cover or lid open.
 * - `paused`: paused on the printer itself (its pause button, or paused from the network).
 * - `jammed`: media jam or cutter jam.
 * - `unreachable`: no connection, or no answer in time.
 * - `error`: any other fault the printer reports (its message says which).
 */
export const PRINTER_STATES = [
  'ready',
  'printing',
  'paper-out',
  'ribbon-out',
  'head-open',
  'paused',
  'jammed',
  'unreachable',
  'error',
] as const;
export type PrinterState = (typeof PRINTER_STATES)[number];

/** A printer's status as a driver reads it. */
export interface PrinterStatus {
  state: PrinterState;
  /** True when the printer can take the next batch now (state `ready`). */
  ready: boolean;
  /** One sentence for a person: "out of labels", "print head open", "no answer on 10.0.4.21:9100". */
  message: string;
  /** Labels the printer holds but has not printed yet (received formats, pages or jobs), when it says. */
  pending?: number;
  /** The printer's own count of labels printed, when it reports one (ZPL odometer). */
  counter?: number;
  /** Raw details for logs and `GET /printers/{id}` (the printer's flags, model, firmware). */
  detail?: Record<string, unknown>;
}

/** Where and how to reach one printer: what a driver needs of a printer record. */
export interface PrinterTarget {
  name: string;
  driver: PrinterDriverName;
  /**
   * `host:port` (or `host`, port 9100) for `zpl` and `brother-ql`; an `ipp://`, `ipps://`, `http://`
   * or `https://` printer URI for `ipp`.
   */
  address: string;
  /** The label template the printer holds stock for (its media). */
  template: string;
  /** Dots per inch of the print head: one of the template's `dpis`. */
  dpi: number;
}

/** One batch of a print run. */
export interface PrintBatch {
  /** Position in the run of the batch's first label, 1-based. */
  first: number;
  labels: LabelContent[];
  /**
   * Unique to this attempt at this batch, e.g. `bt-12-41-2` (run 12, from label 41, attempt 2): an
   * IPP job's name, a ZPL comment; how a driver finds the batch again at the printer.
   */
  key: string;
}

/** What a driver read before a batch was sent (JSON): given back to `settle`. */
export type BatchMark = Record<string, string | number | boolean | null>;

/** How a batch ended. */
export interface BatchOutcome {
  /** Labels of the batch, from its first, the printer confirmed printed. */
  printed: number;
  /**
   * Of the labels after those, how many the printer may hold or may have printed (it stopped with
   * them in its buffer; the connection dropped after they were sent): they are settled later with
   * {@link PrinterDriver.settle}. The labels after `printed + unsettled` were certainly not printed
   * and are sent again.
   */
  unsettled: number;
  /** Why the batch stopped before its end; absent when every label was confirmed. */
  fault?: PrinterStatus;
}

/** How many of a batch's labels the printer printed, as far as it can be told afterwards. */
export interface SettledBatch {
  /** Labels of the batch, from its first, printed by now (never fewer than were confirmed before). */
  printed: number;
  /** Labels the printer still holds and will print once it is ready (buffered formats, a held job). */
  pending: number;
}

/**
 * A printer driver (`src/printers/<driver>.ts`). Every method talks to the printer over the network
 * and honours `signal` (aborted when the job must stop: shutdown, a person cancelling the run).
 */
export interface PrinterDriver {
  readonly name: PrinterDriverName;
  /** Labels per batch for this printer: small enough that one batch takes seconds, not minutes. */
  batchSize(target: PrinterTarget): number;
  /** Reads the printer's status now; never throws for an unreachable printer (state `unreachable`). */
  status(target: PrinterTarget, signal?: AbortSignal): Promise<PrinterStatus>;
  /**
   * Reads what {@link settle} will need (e.g. the ZPL label counter) just before `batch` is sent.
   * Throws when the printer cannot be asked (the batch is then not sent).
   */
  mark(target: PrinterTarget, batch: PrintBatch, signal?: AbortSignal): Promise<BatchMark>;
  /**
   * Sends the batch and waits until the printer confirms every label of it, or stops: a fault
   * (paper out, head open, paused, connection lost) ends the batch early with what is known.
   * Throws only for labels that cannot be printed at all on this printer (a `ValidationError`).
   */
  print(
    target: PrinterTarget,
    batch: PrintBatch,
    mark: BatchMark,
    signal?: AbortSignal,
  ): Promise<BatchOutcome>;
  /**
   * After a crash, a dropped connection or a fault: how many of the first `sent` labels of the batch
   * sent under `mark` (key `key`) the printer printed, and how many it still holds. Null when the
   * printer cannot tell (a person must look at the labels); throws when it cannot be reached.
   */
  settle(
    target: PrinterTarget,
    sent: { key: string; count: number },
    mark: BatchMark,
    signal?: AbortSignal,
  ): Promise<SettledBatch | null>;
  /**
   * The bytes the printer would receive for these labels (ZPL text, Brother raster, a PDF): for
   * previews, tests and `GET /labels/{id}/printer-data`.
   */
  encode(target: PrinterTarget, labels: LabelContent[]): Promise<Uint8Array>;
}

/** A printer as buildtrace keeps it. */
export interface Printer extends PrinterTarget {
  id: number;
  /** Where it stands (a location's ID code), when set: lots received there print on it by default. */
  locationId: number | null;
  description: string | null;
  /** A disabled printer takes no new print runs; runs already sent to it pause. */
  enabled: boolean;
  /** Its last status read (by a print job or the printer watch), and when. */
  state: PrinterState | null;
  stateMessage: string | null;
  stateAt: Date | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** What a project or a location prints on: the default printer, and whether it prints by itself. */
export const ASSIGNMENT_SCOPES = ['project', 'location'] as const;
export type AssignmentScope = (typeof ASSIGNMENT_SCOPES)[number];
export interface PrinterAssignment {
  scope: AssignmentScope;
  scopeId: number;
  printerId: number;
  /**
   * Print without being asked: for a project, a tracked build's unit labels as soon as its units
   * exist; for a location, a lot's label when it is received there.
   */
  autoPrint: boolean;
  assignedBy: string;
  updatedAt: Date;
}

/** One label of a print run: queued → sent → confirmed, or failed when the run ends without it. */
export const PRINT_RECORD_STATUSES = ['queued', 'sent', 'confirmed', 'failed'] as const;
export type PrintRecordStatus = (typeof PRINT_RECORD_STATUSES)[number];

export interface PrintRecord {
  seq: number;
  code: string;
  status: PrintRecordStatus;
  /** The batch it was last sent in. */
  batchKey: string | null;
  /** Times it was sent (more than one only when a printer certainly did not print it before). */
  attempts: number;
  sentAt: Date | null;
  confirmedAt: Date | null;
}

/** Why a paused run paused when no printer fault explains it. */
export const PAUSE_STATES = [...PRINTER_STATES, 'in-doubt', 'disabled', 'requested'] as const;
export type PauseState = (typeof PAUSE_STATES)[number];

/** Pauses a printer fixes by itself (a person refills it, closes the head): the watch resumes them. */
export function resumesByItself(state: PauseState): boolean {
  return state !== 'in-doubt' && state !== 'disabled' && state !== 'requested';
}

export const RAW_PORT = 9100;

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

/** 4 or 6 for an IP address, 0 otherwise (what `node:net` isIP answers, without I/O modules). */
function isIP(text: string): 0 | 4 | 6 {
  if (IPV4.test(text)) return 4;
  if (!/^[0-9a-fA-F:.]+$/.test(text) || !text.includes(':')) return 0;
  try {
    new URL(`http://[${text}]/`);
    return 6;
  } catch {
    return 0;
  }
}

export interface RawAddress {
  host: string;
  port: number;
}

const HOSTNAME =
  /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;

/**
 * `host`, `host:port`, `[ipv6]`, `[ipv6]:port` or a bare IPv6 address (port `defaultPort`). Throws a
 * ValidationError naming `field` for anything else.
 */
export function parseRawAddress(address: unknown, defaultPort = RAW_PORT, field = 'address'): RawAddress {
  if (typeof address !== 'string' || address.trim() === '') {
    throw ValidationError.field(field, 'must be a printer address as host or host:port');
  }
  const text = address.trim();
  let host: string;
  let port: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(text);
  if (bracketed) {
    host = bracketed[1]!;
    port = bracketed[2];
    if (isIP(host) !== 6) throw ValidationError.field(field, `'${host}' is not an IPv6 address`);
  } else if (isIP(text) === 6) {
    host = text;
  } else {
    const colon = text.lastIndexOf(':');
    host = colon === -1 ? text : text.slice(0, colon);
    port = colon === -1 ? undefined : text.slice(colon + 1);
    if (isIP(host) !== 4 && !HOSTNAME.test(host)) {
      throw ValidationError.field(field, `'${host}' is not a host name or IP address`);
    }
  }
  let portNumber = defaultPort;
  if (port !== undefined) {
    if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
      throw ValidationError.field(field, `port must be a number from 1 to 65535, got '${port}'`);
    }
    portNumber = Number(port);
  }
  return { host, port: portNumber };
}

/**
 * Checks a printer's address for its driver: `host[:port]` for the raw TCP drivers (port 9100 when
 * left out, see {@link parseRawAddress}), an `ipp://`, `ipps://`, `http://` or `https://` URI for
 * `ipp`. Answers the problem, or null when it is fine.
 */
export function printerAddressProblem(driver: PrinterDriverName, address: string): string | null {
  if (driver === 'ipp') {
    let url: URL;
    try {
      url = new URL(address);
    } catch {
      return 'must be a printer URI such as ipp://printer.local/ipp/print';
    }
    if (!['ipp:', 'ipps:', 'http:', 'https:'].includes(url.protocol))
      return `must start with ipp://, ipps://, http:// or https://, not ${url.protocol}//`;
    if (url.username || url.password) return 'must not carry a user name or password';
    return null;
  }
  try {
    parseRawAddress(address);
    return null;
  } catch (error) {
    if (error instanceof ValidationError) return error.problems[0]!.message;
    throw error;
  }
}

/** "Zebra line 2: out of labels — 120 of 500 printed": what a pause says to people. */
export function pauseText(printer: string, message: string, printed: number, total: number): string {
  return `${printer}: ${message} — ${printed} of ${total} printed`;
}
