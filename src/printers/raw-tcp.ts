/**
 * Raw TCP to a printer (port 9100, "JetDirect"): parsing a `host:port` address, and a connection that
 * sends bytes and waits for answers with timeouts and an AbortSignal. Shared by the raw-TCP drivers.
 */
import { isIP, connect, type Socket } from 'node:net';
import type { RawAddress } from '../domain/printers.ts';

export { RAW_PORT, parseRawAddress, type RawAddress } from '../domain/printers.ts';

/** `host:port` for messages, IPv6 hosts in brackets. */
export function formatRawAddress({ host, port }: RawAddress): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

/**
 * Why a raw connection failed: no connection, no answer in time, the peer closed it, or it answered
 * something that is not an answer.
 */
export class RawTcpError extends Error {
  constructor(
    readonly reason: 'connect' | 'timeout' | 'closed' | 'garbled',
    message: string,
  ) {
    super(message);
    this.name = 'RawTcpError';
  }
}

/** A parse of the bytes received so far: the value and how many bytes it used, or null for "not yet". */
export type RawParse<T> = (received: Buffer) => { value: T; consumed: number } | null;

/** One TCP connection to a printer. Every wait honours a timeout and the signal given at open. */
export class RawConnection {
  private received: Buffer = Buffer.alloc(0);
  private closed = false;
  private error: Error | undefined;
  private wake: (() => void) | undefined;

  private constructor(
    private readonly socket: Socket,
    readonly address: RawAddress,
    private readonly signal: AbortSignal | undefined,
  ) {
    socket.on('data', (chunk: Buffer) => {
      this.received = this.received.length === 0 ? chunk : Buffer.concat([this.received, chunk]);
      this.wake?.();
    });
    socket.on('error', (error) => {
      this.error = error;
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
  }

  /** Connects, or throws a {@link RawTcpError} (`connect`) within `timeoutMs`. */
  static open(
    address: RawAddress,
    options: { timeoutMs: number; signal?: AbortSignal },
  ): Promise<RawConnection> {
    const { signal } = options;
    signal?.throwIfAborted();
    return new Promise((resolve, reject) => {
      const socket = connect({ host: address.host, port: address.port });
      socket.setNoDelay(true);
      const done = (error?: Error) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', abort);
        socket.off('error', failed);
        if (error) {
          socket.destroy();
          reject(error);
        } else resolve(new RawConnection(socket, address, signal));
      };
      const abort = () => done(signal!.reason instanceof Error ? signal!.reason : new Error('aborted'));
      const timer = setTimeout(
        () => done(new RawTcpError('connect', `no connection to ${formatRawAddress(address)} in time`)),
        options.timeoutMs,
      );
      signal?.addEventListener('abort', abort, { once: true });
      const failed = (e: Error) =>
        done(new RawTcpError('connect', `cannot connect to ${formatRawAddress(address)}: ${e.message}`));
      socket.once('error', failed);
      socket.once('connect', () => done());
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Sends bytes; resolves once they are handed to the operating system. */
  write(data: string | Uint8Array, timeoutMs: number): Promise<void> {
    return this.until(
      (resolve, reject) => {
        if (this.closed) return reject(this.closedError());
        this.socket.write(data, (error) => (error ? reject(this.closedError()) : resolve()));
      },
      timeoutMs,
      `sending to ${formatRawAddress(this.address)} did not finish in time`,
    );
  }

  /**
   * Waits until `parse` finds a value in the bytes received, consuming them; a parse that throws ends
   * the wait with a {@link RawTcpError} (`garbled`).
   */
  read<T>(parse: RawParse<T>, timeoutMs: number): Promise<T> {
    return this.until<T>(
      (resolve, reject) => {
        const check = () => {
          let found: ReturnType<RawParse<T>>;
          try {
            found = parse(this.received);
          } catch (error) {
            this.wake = undefined;
            const why = error instanceof Error ? error.message : String(error);
            return reject(new RawTcpError('garbled', `${formatRawAddress(this.address)} answered: ${why}`));
          }
          if (found) {
            this.received = this.received.subarray(found.consumed);
            this.wake = undefined;
            resolve(found.value);
          } else if (this.closed) {
            this.wake = undefined;
            reject(this.closedError());
          }
        };
        this.wake = check;
        check();
      },
      timeoutMs,
      `no answer from ${formatRawAddress(this.address)} in time`,
    );
  }

  /** Drops whatever was received and not read yet. */
  discard(): void {
    this.received = Buffer.alloc(0);
  }

  close(): void {
    this.socket.destroy();
    this.closed = true;
  }

  private closedError(): RawTcpError {
    const why = this.error ? `: ${this.error.message}` : '';
    return new RawTcpError('closed', `${formatRawAddress(this.address)} closed the connection${why}`);
  }

  private until<T>(
    start: (resolve: (value: T) => void, reject: (error: Error) => void) => void,
    timeoutMs: number,
    timeoutMessage: string,
  ): Promise<T> {
    this.signal?.throwIfAborted();
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const finish = (error: Error | undefined, value?: T) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.signal?.removeEventListener('abort', abort);
        this.wake = undefined;
        if (error) reject(error);
        else resolve(value as T);
      };
      const abort = () => {
        this.close();
        finish(this.signal!.reason instanceof Error ? this.signal!.reason : new Error('aborted'));
      };
      const timer = setTimeout(() => finish(new RawTcpError('timeout', timeoutMessage)), timeoutMs);
      this.signal?.addEventListener('abort', abort, { once: true });
      start(
        (value) => finish(undefined, value),
        (error) => finish(error),
      );
    });
  }
}
