/**
 * The `brother-ql` printer driver: Brother QL label printers (QL-810W, QL-820NWB, …) over raw TCP
 * port 9100, speaking their raster command language (`brother-ql-raster.ts`).
 *
 * Printing: a batch is one job on one connection. The driver asks for a status first, then sends the
 * labels one page at a time and, after each page, waits for the printer's "printing completed"
 * status before sending the next: that reply is the confirmation. An error status (out of labels,
 * cover open, cutter jam) ends the batch; the QL discards the page it was on, so nothing is left in
 * doubt. A connection that drops, or a printer that falls silent, after a page's print command was
 * written leaves that one page in doubt (`unsettled: 1`): it may have been printed.
 *
 * Settling: a QL keeps no label counter and forgets a job once it ends, so nothing can be read back
 * from it afterwards. The driver remembers, per batch key and within this process, how its own
 * `print` ended; `settle` answers from that when no page was in doubt, and null (a person must look
 * at the labels) otherwise — after a page in doubt, or after a restart that lost the memory.
 */
import { ValidationError } from '../domain/errors.ts';
import { getTemplate } from '../domain/label-templates.ts';
import { validateLabelContent, type LabelContent } from '../domain/labels.ts';
import type {
  BatchMark,
  BatchOutcome,
  PrintBatch,
  PrinterDriver,
  PrinterStatus,
  PrinterTarget,
  SettledBatch,
} from '../domain/printers.ts';
import { ConnectionLost, QlConnection, parseAddress } from './brother-ql-connection.ts';
import {
  STATUS_TYPE,
  brotherMedia,
  concat,
  encodePage,
  headLines,
  jobHeader,
  parseQlStatus,
  qlPrinterStatus,
  statusRequest,
  type BrotherMedia,
} from './brother-ql-raster.ts';
import { rasterLabel } from './raster.ts';

export interface BrotherQlOptions {
  /** Connecting, and each status reply outside printing (ms). */
  timeout?: number;
  /** Waiting for one page's "printing completed" (ms): a QL prints a label in about a second. */
  pageTimeout?: number;
  /** Labels per batch. */
  batchSize?: number;
}

/** How a batch's `print` ended, remembered for `settle` (newest last, at most {@link JOURNAL_SIZE}). */
interface Ended {
  confirmed: number;
  inDoubt: boolean;
}
const JOURNAL_SIZE = 1000;

interface Checked {
  media: BrotherMedia;
  address: { host: string; port: number };
}

function check(target: PrinterTarget): Checked {
  const address = parseAddress(target.address);
  const media = brotherMedia(target.template);
  if (target.dpi !== media.dpi) {
    throw ValidationError.field(
      'dpi',
      `a Brother QL prints ${target.template} at ${media.dpi} dpi, not ${target.dpi}`,
    );
  }
  return { media, address };
}

function unreachable(message: string): PrinterStatus {
  return { state: 'unreachable', ready: false, message };
}

/** The raster bytes of a job printing `labels` on `media`, one page per label. */
export function encodeBrotherJob(media: BrotherMedia, labels: LabelContent[]): Uint8Array[] {
  const template = getTemplate(media.template);
  if (!Array.isArray(labels)) throw ValidationError.field('labels', 'must be an array of labels');
  return labels.map((label, i) => {
    validateLabelContent(label, `labels.${i}`);
    if (label.gs1 !== undefined && (typeof label.gs1 !== 'string' || label.gs1 === '')) {
      throw ValidationError.field(`labels.${i}.gs1`, 'must be a non-empty GS1 element string');
    }
    let raster;
    try {
      raster = rasterLabel(template, media.dpi, label);
    } catch (error) {
      if (error instanceof ValidationError) {
        throw new ValidationError(error.problems.map((p) => ({ ...p, field: `labels.${i}.${p.field}` })));
      }
      throw error;
    }
    return encodePage(media, headLines(media, raster), i === 0, i === labels.length - 1);
  });
}

export function createBrotherQlDriver(options: BrotherQlOptions = {}): PrinterDriver {
  const timeout = options.timeout ?? 5000;
  const pageTimeout = options.pageTimeout ?? 30_000;
  const size = options.batchSize ?? 20;
  const journal = new Map<string, Ended>();
  const remember = (key: string, ended: Ended) => {
    journal.delete(key);
    journal.set(key, ended);
    if (journal.size > JOURNAL_SIZE) journal.delete(journal.keys().next().value!);
  };

  async function readStatus(target: PrinterTarget, signal?: AbortSignal): Promise<PrinterStatus> {
    const { media, address } = check(target);
    let connection: QlConnection | undefined;
    try {
      connection = await QlConnection.connect(address, timeout, signal);
      await connection.write(statusRequest());
      return qlPrinterStatus(parseQlStatus(await connection.status(timeout)), media);
    } catch (error) {
      if (error instanceof ConnectionLost) return unreachable(error.message);
      if (error instanceof RangeError) return { state: 'error', ready: false, message: error.message };
      throw error;
    } finally {
      connection?.close();
    }
  }

  async function print(
    target: PrinterTarget,
    batch: PrintBatch,
    signal?: AbortSignal,
  ): Promise<BatchOutcome> {
    const { media, address } = check(target);
    if (typeof batch.key !== 'string' || batch.key === '')
      throw ValidationError.field('key', 'must be a non-empty string');
    if (batch.labels.length === 0) return { printed: 0, unsettled: 0 };
    const pages = encodeBrotherJob(media, batch.labels);
    let confirmed = 0;
    let written = false;
    const end = (outcome: BatchOutcome): BatchOutcome => {
      remember(batch.key, { confirmed: outcome.printed, inDoubt: outcome.unsettled > 0 });
      return outcome;
    };
    let connection: QlConnection | undefined;
    try {
      connection = await QlConnection.connect(address, timeout, signal);
      await connection.write(statusRequest());
      const before = qlPrinterStatus(parseQlStatus(await connection.status(timeout)), media);
      if (!before.ready) return end({ printed: 0, unsettled: 0, fault: before });
      await connection.write(jobHeader());
      for (const page of pages) {
        written = false;
        await connection.write(page);
        written = true;
        for (;;) {
          const reply = parseQlStatus(await connection.status(pageTimeout));
          if (reply.statusType === STATUS_TYPE.printed) break;
          if (
            reply.statusType === STATUS_TYPE.error ||
            (reply.errors1 & ~0x10) !== 0 ||
            reply.errors2 !== 0
          ) {
            // The QL discards the page it was printing when it stops on an error.
            return end({ printed: confirmed, unsettled: 0, fault: qlPrinterStatus(reply) });
          }
        }
        confirmed++;
        written = false;
      }
      return end({ printed: confirmed, unsettled: 0 });
    } catch (error) {
      if (error instanceof ConnectionLost) {
        const fault =
          error.reason === 'aborted'
            ? { state: 'error' as const, ready: false, message: 'cancelled before the batch ended' }
            : unreachable(error.message);
        return end({ printed: confirmed, unsettled: written ? 1 : 0, fault });
      }
      if (error instanceof RangeError) {
        const fault = { state: 'error' as const, ready: false, message: error.message };
        return end({ printed: confirmed, unsettled: written ? 1 : 0, fault });
      }
      throw error;
    } finally {
      connection?.close();
    }
  }

  return {
    name: 'brother-ql',
    batchSize(target) {
      check(target);
      return size;
    },
    status: readStatus,
    async mark(target, _batch, signal) {
      const status = await readStatus(target, signal);
      if (status.state === 'unreachable')
        throw new Error(`cannot ask ${target.name} before printing: ${status.message}`);
      return { state: status.state };
    },
    print: (target, batch, _mark, signal) => print(target, batch, signal),
    async settle(
      target,
      sent: { key: string; count: number },
      _mark: BatchMark,
    ): Promise<SettledBatch | null> {
      check(target);
      if (typeof sent.key !== 'string' || sent.key === '')
        throw ValidationError.field('key', 'must be a non-empty string');
      if (!Number.isSafeInteger(sent.count) || sent.count < 0) {
        throw ValidationError.field('count', 'must be a non-negative integer');
      }
      if (sent.count === 0) return { printed: 0, pending: 0 };
      const ended = journal.get(sent.key);
      if (!ended || ended.inDoubt) return null;
      return { printed: Math.min(ended.confirmed, sent.count), pending: 0 };
    },
    async encode(target, labels) {
      const { media } = check(target);
      return concat([jobHeader(), ...encodeBrotherJob(media, labels)]);
    },
  };
}

/** The driver with its defaults: 5 s to connect and answer, 30 s a page, 20 labels a batch. */
export const brotherQlDriver: PrinterDriver = createBrotherQlDriver();
