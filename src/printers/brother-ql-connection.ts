/**
 * One raw TCP connection (port 9100) to a Brother QL: writes that resolve once the bytes are handed
 * to the operating system, and the printer's 32-byte status replies read one at a time, each with a
 * deadline. Honours an AbortSignal: aborting destroys the socket.
 */
import { Socket } from 'node:net';
import { parseRawAddress, type RawAddress } from '../domain/printers.ts';
import { STATUS_BYTES } from './brother-ql-raster.ts';

/** `host:port`, `host`, `[v6]:port` or `[v6]` (port 9100); a ValidationError naming `address` otherwise. */
export const parseAddress = (address: string): RawAddress => parseRawAddress(address);

/** Why a connection ended early: the peer closed it, nothing came in time, or the caller aborted. */
export class ConnectionLost extends Error {
  constructor(
    message: string,
    readonly reason: 'closed' | 'timeout' | 'aborted' | 'refused',
  ) {
    super(message);
  }
}

export class QlConnection {
  private buffered = new Uint8Array(0);
  private waiter: (() => void) | null = null;
  private ended: ConnectionLost | null = null;

  private constructor(
    private readonly socket: Socket,
    readonly where: string,
  ) {
    socket.on('data', (chunk: Buffer) => {
      const next = new Uint8Array(this.buffered.length + chunk.length);
      next.set(this.buffered);
      next.set(chunk, this.buffered.length);
      this.buffered = next;
      this.wake();
    });
    const end = (why: string) => {
      this.ended ??= new ConnectionLost(`${where} closed the connection${why ? `: ${why}` : ''}`, 'closed');
      this.wake();
    };
    socket.on('error', (error) => end(error.message));
    socket.on('close', () => end(''));
  }

  /** Connects within `timeout` ms; throws {@link ConnectionLost} (`refused`, `timeout`, `aborted`). */
  static connect(
    address: { host: string; port: number },
    timeout: number,
    signal?: AbortSignal,
  ): Promise<QlConnection> {
    const where = `${address.host}:${address.port}`;
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(new ConnectionLost('cancelled', 'aborted'));
      const socket = new Socket();
      const fail = (error: ConnectionLost) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        socket.destroy();
        reject(error);
      };
      const onAbort = () => fail(new ConnectionLost('cancelled', 'aborted'));
      const timer = setTimeout(() => fail(new ConnectionLost(`no answer on ${where}`, 'timeout')), timeout);
      signal?.addEventListener('abort', onAbort, { once: true });
      socket.once('error', (error) =>
        fail(new ConnectionLost(`cannot reach ${where}: ${error.message}`, 'refused')),
      );
      socket.connect(address.port, address.host, () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        socket.removeAllListeners('error');
        socket.setNoDelay(true);
        const connection = new QlConnection(socket, where);
        if (signal) {
          const abort = () => connection.abort();
          signal.addEventListener('abort', abort, { once: true });
          socket.once('close', () => signal.removeEventListener('abort', abort));
        }
        resolve(connection);
      });
    });
  }

  /** Resolves once the bytes are written to the socket; throws {@link ConnectionLost} when it is gone. */
  write(bytes: Uint8Array): Promise<void> {
    if (this.ended) return Promise.reject(this.ended);
    return new Promise((resolve, reject) => {
      this.socket.write(bytes, (error) => {
        if (error || this.ended)
          reject(this.ended ?? new ConnectionLost(`${this.where}: ${error?.message}`, 'closed'));
        else resolve();
      });
    });
  }

  /** The next 32-byte status reply, within `timeout` ms. */
  async status(timeout: number): Promise<Uint8Array> {
    const deadline = Date.now() + timeout;
    while (this.buffered.length < STATUS_BYTES) {
      if (this.ended) throw this.ended;
      const left = deadline - Date.now();
      if (left <= 0) throw new ConnectionLost(`no status from ${this.where} within ${timeout} ms`, 'timeout');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.waiter = null;
          resolve();
        }, left);
        this.waiter = () => {
          clearTimeout(timer);
          this.waiter = null;
          resolve();
        };
      });
    }
    const reply = this.buffered.slice(0, STATUS_BYTES);
    this.buffered = this.buffered.slice(STATUS_BYTES);
    return reply;
  }

  abort(): void {
    this.ended ??= new ConnectionLost('cancelled', 'aborted');
    this.socket.destroy();
    this.wake();
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    this.waiter?.();
  }
}
