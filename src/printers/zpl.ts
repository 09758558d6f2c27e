/**
 * The `zpl` printer driver: Zebra printers and compatibles, native ZPL II over raw TCP (port 9100).
 *
 * - Labels are ZPL formats (`zpl-format.ts`), one per label, sent as one stream per batch.
 * - Status is `~HS` (`zpl-status.ts`); the label counter is the SGD setting
 *   `odometer.total_label_count`. The mark is the counter before a batch, so printed = counter − mark.
 * - A batch is confirmed by polling until the printer holds nothing and the counter has moved by the
 *   batch's size; a fault, a stall or a lost connection ends it with what the counter and the
 *   printer's buffer tell.
 */
import { ValidationError } from '../domain/errors.ts';
import { getTemplate, type LabelTemplate } from '../domain/label-templates.ts';
import type { LabelContent } from '../domain/labels.ts';
import type {
  BatchMark,
  BatchOutcome,
  PrintBatch,
  PrinterDriver,
  PrinterStatus,
  PrinterTarget,
  SettledBatch,
} from '../domain/printers.ts';
import { RawTcpError, formatRawAddress, parseRawAddress, type RawAddress } from './raw-tcp.ts';
import { checkZplTemplate, zplLabels } from './zpl-format.ts';
import {
  DEFAULT_ZPL_TIMINGS,
  ZplSession,
  pause,
  readOnce,
  type ZplReading,
  type ZplTimings,
} from './zpl-session.ts';

export { zplLabel, zplLabels } from './zpl-format.ts';

/** States in which a printer prints on by itself; any other one ends a batch. */
const WORKING = new Set<PrinterStatus['state']>(['ready', 'printing']);
/** Polls a drained printer must stay drained, its counter short, before the batch ends short. */
const DRAINED_POLLS = 3;

interface Checked {
  address: RawAddress;
  template: LabelTemplate;
}

function checkTarget(target: PrinterTarget): Checked {
  if (target.driver !== 'zpl') throw ValidationError.field('driver', `must be 'zpl', got '${target.driver}'`);
  const address = parseRawAddress(target.address);
  let template: LabelTemplate;
  try {
    template = getTemplate(target.template);
  } catch (error) {
    throw ValidationError.field('template', error instanceof Error ? error.message : String(error));
  }
  checkZplTemplate(template, target.dpi);
  return { address, template };
}

function checkBatch(batch: PrintBatch): void {
  if (!Array.isArray(batch.labels) || batch.labels.length === 0) {
    throw ValidationError.field('labels', 'must hold at least one label');
  }
  if (typeof batch.key !== 'string' || !/^[\w.:-]{1,100}$/.test(batch.key)) {
    throw ValidationError.field('key', 'must be 1 to 100 letters, digits, or . _ : -');
  }
}

function markCounter(mark: BatchMark): number | null {
  const counter = mark.counter;
  return typeof counter === 'number' && Number.isSafeInteger(counter) && counter >= 0 ? counter : null;
}

function unreachable(address: RawAddress, error: unknown): PrinterStatus {
  if (error instanceof RawTcpError && error.reason === 'garbled') {
    return { state: 'error', ready: false, message: `unexpected answer: ${error.message}` };
  }
  const why = error instanceof Error ? `: ${error.message}` : '';
  return { state: 'unreachable', ready: false, message: `no answer on ${formatRawAddress(address)}${why}` };
}

const clamp = (value: number, max: number) => Math.max(0, Math.min(value, max));

/**
 * Labels per batch: about ten seconds of printing. A 203 dpi head runs ~5 in/s, 300 dpi ~4 in/s,
 * 600 dpi ~2 in/s; a 1-inch label at 203 dpi gives 50.
 */
export function zplBatchSize(template: LabelTemplate, dpi: number): number {
  const inchesPerSecond = dpi <= 203 ? 5 : dpi <= 300 ? 4 : 2;
  const labelInches = template.label.height / 25.4;
  return Math.max(1, Math.min(100, Math.round((10 * inchesPerSecond) / Math.max(labelInches, 1))));
}

/** Options of a zpl driver; the defaults suit a printer on the local network. */
export type ZplDriverOptions = Partial<ZplTimings>;

/** The first status poll after a batch is sent; later ones back off to `pollMs`. */
const FIRST_POLL_MS = 5;

export function createZplDriver(options: ZplDriverOptions = {}): PrinterDriver {
  const timings: ZplTimings = { ...DEFAULT_ZPL_TIMINGS, ...options };

  /** Polls until the batch is printed, the printer stops, stalls, or cannot be reached. */
  async function follow(
    address: RawAddress,
    first: ZplSession,
    n: number,
    mark: number | null,
    signal: AbortSignal | undefined,
  ): Promise<BatchOutcome> {
    let session: ZplSession | null = first;
    let dropped = false;
    let confirmed = 0;
    let lastSeen = '';
    let lastProgress = Date.now();
    let drainedShort = 0;
    // Asked soon after sending, then less and less often up to pollMs: a fast printer (or a short
    // batch) is confirmed in milliseconds, a slow one is not asked more than every pollMs.
    let wait = Math.min(FIRST_POLL_MS, timings.pollMs);
    const next = () => {
      const ms = wait;
      wait = Math.min(wait * 2, timings.pollMs);
      return pause(ms, signal);
    };
    for (;;) {
      signal?.throwIfAborted();
      let reading: ZplReading;
      try {
        session ??= await ZplSession.open(address, timings, signal);
        reading = await session.read();
      } catch (error) {
        if (!(error instanceof RawTcpError)) throw error;
        session?.close();
        session = null;
        dropped = true;
        if (Date.now() - lastProgress > timings.stallMs) {
          return { printed: confirmed, unsettled: n - confirmed, fault: unreachable(address, error) };
        }
        await next();
        continue;
      }
      const { status, held, counter } = reading;
      const counted = counter !== null && mark !== null ? clamp(counter - mark, n) : null;
      if (counted !== null) confirmed = Math.max(confirmed, counted);
      const seen = `${counter}/${held}/${status.state}`;
      if (seen !== lastSeen) {
        lastSeen = seen;
        lastProgress = Date.now();
      }
      const end = (outcome: BatchOutcome) => {
        session?.close();
        return outcome;
      };
      // Without a counter, a printer that got every format has printed those it no longer holds;
      // after a drop nobody knows what it got, so everything not confirmed stays unsettled.
      const printedNow = counted ?? (dropped ? confirmed : clamp(n - held, n));
      const unsettledNow = counted === null && dropped ? n - printedNow : clamp(held, n - printedNow);
      if (!WORKING.has(status.state)) {
        return end({ printed: printedNow, unsettled: unsettledNow, fault: status });
      }
      if (counted === n || (counted === null && !dropped && held === 0))
        return end({ printed: n, unsettled: 0 });
      if (held === 0 && status.state === 'ready') {
        if (counted === null) {
          // Dropped, no counter: it printed what it got, and nobody can tell how many.
          return end({
            printed: confirmed,
            unsettled: n - confirmed,
            fault: lost(address, 'no label counter'),
          });
        }
        if (++drainedShort >= DRAINED_POLLS) {
          // It printed all it got: the rest never arrived whole and is certainly not printed.
          const why = dropped ? 'the connection dropped while sending' : 'the printer dropped some formats';
          return end({ printed: counted, unsettled: 0, fault: lost(address, why) });
        }
      } else drainedShort = 0;
      if (Date.now() - lastProgress > timings.stallMs) {
        const stalled: PrinterStatus = {
          ...status,
          state: 'error',
          ready: false,
          message: `printer made no progress for ${timings.stallMs / 1000} s (${status.message})`,
        };
        return end({ printed: printedNow, unsettled: unsettledNow, fault: stalled });
      }
      await next();
    }
  }

  function lost(address: RawAddress, why: string): PrinterStatus {
    return {
      state: 'unreachable',
      ready: false,
      message: `connection to ${formatRawAddress(address)} lost mid-batch (${why})`,
    };
  }

  return {
    name: 'zpl',

    batchSize(target) {
      const { template } = checkTarget(target);
      return zplBatchSize(template, target.dpi);
    },

    async status(target, signal) {
      const { address } = checkTarget(target);
      try {
        return (await readOnce(address, timings, signal)).status;
      } catch (error) {
        if (error instanceof RawTcpError) return unreachable(address, error);
        throw error;
      }
    },

    async mark(target, batch, signal) {
      const { address } = checkTarget(target);
      checkBatch(batch);
      const { status, counter, held } = await readOnce(address, timings, signal);
      if (!status.ready || held > 0) {
        throw new Error(`printer ${target.name} cannot take a batch: ${status.message}`);
      }
      return { counter, key: batch.key, count: batch.labels.length };
    },

    async print(target, batch, mark, signal) {
      const { address, template } = checkTarget(target);
      checkBatch(batch);
      const zpl = zplLabels(template, target.dpi, batch.labels, { key: batch.key });
      const n = batch.labels.length;
      let session: ZplSession;
      try {
        session = await ZplSession.open(address, timings, signal);
      } catch (error) {
        if (error instanceof RawTcpError)
          return { printed: 0, unsettled: 0, fault: unreachable(address, error) };
        throw error;
      }
      try {
        await session.send(zpl);
      } catch (error) {
        if (!(error instanceof RawTcpError)) throw error;
        // Part of the batch may have arrived: follow reconnects and counts.
      }
      try {
        return await follow(address, session, n, markCounter(mark), signal);
      } finally {
        session.close();
      }
    },

    async settle(target, sent, mark, signal): Promise<SettledBatch | null> {
      const { address } = checkTarget(target);
      if (!Number.isSafeInteger(sent.count) || sent.count < 0) {
        throw ValidationError.field('count', 'must be a non-negative integer');
      }
      const before = markCounter(mark);
      const { counter, held } = await readOnce(address, timings, signal);
      if (before === null || counter === null) return null;
      const printed = clamp(counter - before, sent.count);
      return { printed, pending: clamp(held, sent.count - printed) };
    },

    async encode(target, labels: LabelContent[]) {
      const { template } = checkTarget(target);
      return new TextEncoder().encode(zplLabels(template, target.dpi, labels));
    },
  };
}

export const zplDriver: PrinterDriver = createZplDriver();
