/**
 * A fake Zebra on a loopback TCP port: parses the incoming stream into complete `^XA … ^XZ` formats
 * (a partial format left at a dropped connection is discarded), prints them one at a time at a set
 * speed, counts them on an odometer, and answers `~HS` (STX/ETX framed, as the ZPL manual gives it)
 * and the SGD `getvar "odometer.total_label_count"`. Faults are switched on from the test: paper out
 * after n labels, head open, paused, stalled, a connection dropped after n formats.
 *
 * `printed()` is the proof of what came out: every label printed, in order, with its raw ZPL and the
 * decoded data of its 2D code.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

export interface FakeZplPrinterOptions {
  /** Milliseconds to print one label (default 2). */
  speed?: number;
  /** Odometer at start (default 1000). */
  odometer?: number;
  /** How the SGD label counter is answered: the count (default), `"?"`, or not at all. */
  counter?: 'answer' | 'unknown' | 'silent';
}

export interface FakePrintedLabel {
  /** 1-based order of printing since the fake started. */
  seq: number;
  /** The 2D code's data: the `^FD` payload with `^FH` escapes decoded (QR without its `MA,`); GS1 FNC1 as GS. */
  data: string | null;
  zpl: string;
}

const STX = '\x02';
const ETX = '\x03';

/** Decodes `_XX` hex escapes (the `^FH` indicator `indicator`) into bytes, then UTF-8. */
function unhex(text: string, indicator: string): string {
  const bytes: number[] = [];
  const buffer = Buffer.from(text, 'latin1');
  for (let i = 0; i < buffer.length; i++) {
    if (buffer[i] === indicator.charCodeAt(0) && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(buffer[i]!);
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The data of a format's 2D code (`^BQ` or `^BX` field), decoded as a printer would read it. */
export function codeData(zpl: string): string | null {
  const match = /\^B([QX])([^^]*)((?:\^(?!FD)[^^]*)*)\^FD([^^]*)\^FS/.exec(zpl);
  if (!match) return null;
  const [, kind, params, between, raw] = match;
  const fh = /\^FH(.?)/.exec(between!);
  let data = fh ? unhex(raw!, fh[1] || '_') : Buffer.from(raw!, 'latin1').toString('utf8');
  if (kind === 'Q') return data.replace(/^[HQML][AM],/, '');
  const escape = params!.split(',')[6];
  if (escape) data = data.split(`${escape}1`).join('\x1d');
  return data;
}

export class FakeZplPrinter {
  private readonly sockets = new Set<Socket>();
  private readonly queue: string[] = [];
  private readonly log: FakePrintedLabel[] = [];
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private paperOutAt: number | undefined;
  private dropAfter: number | undefined;
  private paperOut = false;
  private headOpen = false;
  private paused = false;
  private stalled = false;
  private counterMode: NonNullable<FakeZplPrinterOptions['counter']>;
  /** Formats received whole, over all connections. */
  received = 0;
  /** Connections accepted. */
  connections = 0;
  odometer: number;
  speed: number;

  private constructor(
    private readonly server: Server,
    options: FakeZplPrinterOptions,
  ) {
    this.speed = options.speed ?? 2;
    this.odometer = options.odometer ?? 1000;
    this.counterMode = options.counter ?? 'answer';
    server.on('connection', (socket) => this.accept(socket));
  }

  /** Starts listening on 127.0.0.1, on an ephemeral port unless `port` is given. */
  static async start(options: FakeZplPrinterOptions & { port?: number } = {}): Promise<FakeZplPrinter> {
    const server = createServer();
    const printer = new FakeZplPrinter(server, options);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    return printer;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** `127.0.0.1:<port>`, a printer address for the driver. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Labels printed so far, in order. */
  printed(): FakePrintedLabel[] {
    return [...this.log];
  }

  /** Formats received and not printed yet. */
  get buffered(): number {
    return this.queue.length;
  }

  /** Runs out of labels before printing the (n+1)th label since the fake started; the buffer stays. */
  paperOutAfter(n: number): void {
    this.paperOutAt = n;
    if (this.log.length >= n) this.paperOut = true;
  }

  /** Labels loaded and feed pressed: prints on from the buffer by itself. */
  refill(): void {
    this.paperOut = false;
    this.paperOutAt = undefined;
    this.schedule();
  }

  openHead(): void {
    this.headOpen = true;
  }

  closeHead(): void {
    this.headOpen = false;
    this.schedule();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.schedule();
  }

  /** Hangs: answers nothing and prints nothing until {@link unstall}. */
  stall(): void {
    this.stalled = true;
  }

  unstall(): void {
    this.stalled = false;
    this.schedule();
  }

  /**
   * Closes the first connection (open or next) to deliver `formats` whole formats, discarding what
   * follows on it, a partial format included. Applies once.
   */
  dropConnectionAfter(formats: number): void {
    this.dropAfter = formats;
  }

  setCounter(mode: NonNullable<FakeZplPrinterOptions['counter']>): void {
    this.counterMode = mode;
  }

  /** Resolves once the printer holds nothing (or rejects after `timeoutMs`). */
  async drained(timeoutMs = 10_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.queue.length > 0) {
      if (Date.now() > until) throw new Error(`fake printer still holds ${this.queue.length} formats`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Stops everything it started: connections, the listener and the print timer. */
  async close(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer as NodeJS.Timeout);
      clearImmediate(this.timer as NodeJS.Immediate);
    }
    this.timer = undefined;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    this.connections++;
    this.sockets.add(socket);
    let pending = '';
    let formats = 0;
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      if (socket.destroyed) return;
      pending += chunk.toString('latin1');
      let at = 0;
      for (;;) {
        while (at < pending.length && /\s/.test(pending[at]!)) at++;
        if (at >= pending.length) break;
        const rest = pending.slice(at);
        if (rest.startsWith('^XA')) {
          const end = pending.indexOf('^XZ', at);
          if (end === -1) break;
          this.enqueue(pending.slice(at, end + 3));
          at = end + 3;
          formats++;
          if (this.dropAfter !== undefined && formats >= this.dropAfter) {
            this.dropAfter = undefined;
            socket.destroy();
            return;
          }
        } else if (rest.startsWith('~HS')) {
          at += 3;
          if (!this.stalled) socket.write(this.hostStatus());
        } else if (rest.startsWith('!')) {
          const end = pending.indexOf('\n', at);
          if (end === -1) break;
          const name = /getvar\s+"([^"]*)"/.exec(pending.slice(at, end))?.[1];
          at = end + 1;
          if (!this.stalled) this.answerSgd(socket, name);
        } else if (rest.length < 3 && ('^XA'.startsWith(rest) || '~HS'.startsWith(rest))) {
          break;
        } else at++;
      }
      pending = pending.slice(at);
    });
  }

  private answerSgd(socket: Socket, name: string | undefined): void {
    if (this.counterMode === 'silent') return;
    const known = name === 'odometer.total_label_count' && this.counterMode === 'answer';
    socket.write(known ? `"${this.odometer}"` : '"?"');
  }

  private hostStatus(): string {
    const flag = (b: boolean) => (b ? '1' : '0');
    const formats = String(Math.min(this.queue.length, 999)).padStart(3, '0');
    return (
      `${STX}030,${flag(this.paperOut)},${flag(this.paused)},0203,${formats},0,0,0,000,0,0,0${ETX}\r\n` +
      `${STX}001,0,${flag(this.headOpen)},0,0,2,6,0,00000000,1,000${ETX}\r\n` +
      `${STX}1234,0${ETX}\r\n`
    );
  }

  private enqueue(zpl: string): void {
    this.received++;
    this.queue.push(zpl);
    this.schedule();
  }

  private canPrint(): boolean {
    return !this.paperOut && !this.headOpen && !this.paused && !this.stalled && this.queue.length > 0;
  }

  private schedule(): void {
    if (this.timer || !this.canPrint()) return;
    const tick = () => {
      this.timer = undefined;
      if (!this.canPrint()) return;
      if (this.paperOutAt !== undefined && this.log.length >= this.paperOutAt) {
        this.paperOut = true;
        return;
      }
      const zpl = this.queue.shift()!;
      this.odometer++;
      this.log.push({ seq: this.log.length + 1, data: codeData(zpl), zpl });
      this.schedule();
    };
    // Speed 0 prints as fast as the event loop turns (a timer would wait at least 1 ms).
    this.timer = this.speed > 0 ? setTimeout(tick, this.speed) : setImmediate(tick);
  }
}
