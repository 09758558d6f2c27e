/**
 * One conversation with a Zebra over raw TCP: send formats, ask `~HS` and the label counter. The
 * counter is asked with SGD after `~HS`, so within one answer the counter is never older than the
 * buffer count (a label printed in between makes printed + held too large, never too small).
 */
import type { PrinterStatus } from '../domain/printers.ts';
import { RawConnection, RawTcpError, type RawAddress } from './raw-tcp.ts';
import {
  HOST_STATUS_REQUEST,
  ODOMETER_REQUEST,
  heldLabels,
  readHostStatus,
  readSgdCounter,
  zplPrinterStatus,
  type ZplHostStatus,
} from './zpl-status.ts';

export interface ZplTimings {
  /** Time to open a connection. */
  connectTimeoutMs: number;
  /** Time for the printer to answer `~HS`. */
  replyTimeoutMs: number;
  /** Time for the SGD counter answer after `~HS`; a printer silent this long is not asked again. */
  counterTimeoutMs: number;
  /** Time to hand a batch's bytes to the network. */
  sendTimeoutMs: number;
  /** Interval between status polls while a batch prints. */
  pollMs: number;
  /** A batch whose printer shows no progress (counter, buffer) this long ends as a fault. */
  stallMs: number;
}

export const DEFAULT_ZPL_TIMINGS: ZplTimings = {
  connectTimeoutMs: 3000,
  replyTimeoutMs: 2000,
  counterTimeoutMs: 500,
  sendTimeoutMs: 30_000,
  pollMs: 150,
  stallMs: 20_000,
};

/** A status read: the host status, the counter when the printer gives one, and both in product words. */
export interface ZplReading {
  host: ZplHostStatus;
  counter: number | null;
  status: PrinterStatus;
  /** Labels the printer holds (formats in its buffer and what is left of the one printing). */
  held: number;
}

export class ZplSession {
  private counterAnswers = true;

  private constructor(
    private readonly connection: RawConnection,
    private readonly timings: ZplTimings,
  ) {}

  static async open(address: RawAddress, timings: ZplTimings, signal?: AbortSignal): Promise<ZplSession> {
    const connection = await RawConnection.open(address, { timeoutMs: timings.connectTimeoutMs, signal });
    return new ZplSession(connection, timings);
  }

  send(data: string | Uint8Array): Promise<void> {
    return this.connection.write(data, this.timings.sendTimeoutMs);
  }

  /** Asks `~HS` then the counter; a printer that answers the counter with `?` or not at all is not asked again. */
  async read(): Promise<ZplReading> {
    const { connection, timings } = this;
    connection.discard();
    await connection.write(
      HOST_STATUS_REQUEST + (this.counterAnswers ? ODOMETER_REQUEST : ''),
      timings.replyTimeoutMs,
    );
    const host = await connection.read(readHostStatus, timings.replyTimeoutMs);
    let counter: number | null = null;
    if (this.counterAnswers) {
      try {
        counter = await connection.read(readSgdCounter, timings.counterTimeoutMs);
      } catch (error) {
        if (!(error instanceof RawTcpError && error.reason === 'timeout')) throw error;
      }
      if (counter === null) this.counterAnswers = false;
    }
    return { host, counter, status: zplPrinterStatus(host, counter), held: heldLabels(host) };
  }

  close(): void {
    this.connection.close();
  }
}

/** Opens a session, reads once and closes. */
export async function readOnce(
  address: RawAddress,
  timings: ZplTimings,
  signal?: AbortSignal,
): Promise<ZplReading> {
  const session = await ZplSession.open(address, timings, signal);
  try {
    return await session.read();
  } finally {
    session.close();
  }
}

/** A pause between polls that ends early, with the signal's reason, when the signal aborts. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', abort);
      resolve();
    }, ms);
    const abort = () => {
      clearTimeout(timer);
      reject(signal!.reason instanceof Error ? signal!.reason : new Error('aborted'));
    };
    signal?.addEventListener('abort', abort, { once: true });
  });
}
