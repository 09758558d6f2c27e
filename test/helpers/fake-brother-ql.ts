/**
 * A fake Brother QL-820NWB on a loopback TCP port: parses the raster command stream (with
 * `brother-raster.ts`), keeps every printed page as a 1-bit bitmap, answers `ESC i S` with the
 * 32-byte status, and after each page sends what a QL sends: "phase change" (printing), "printing
 * completed", "phase change" (receiving). Faults: out of labels after n pages, cover open, and a
 * connection dropped in the middle of receiving a page. Loaded with 62 × 29 mm die-cut labels.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { BrotherRasterParser, type RasterPage } from './brother-raster.ts';

export interface PrintedPage {
  /** 1-based, in the order printed, across connections. */
  seq: number;
  bitmap: { width: number; height: number; rows: Uint8Array };
  page: RasterPage;
}

export interface FakeBrotherQlOptions {
  /** Milliseconds a page takes to print (default 0). */
  printMs?: number;
}

const STATUS = { reply: 0x00, printed: 0x01, error: 0x02, phase: 0x06 } as const;

export class FakeBrotherQl {
  readonly address: string;
  /** Commands received, per connection, in order (see BrotherRasterParser.commands). */
  readonly sessions: string[][] = [];
  /** Problems with the stream received (unknown commands, bad PackBits, a page of the wrong size). */
  readonly protocolErrors: string[] = [];
  private readonly pages: PrintedPage[] = [];
  private readonly sockets = new Set<Socket>();
  private emptyAfter: number | null = null;
  private empty = false;
  private coverOpen = false;
  private dropAt: number | null = null;

  private constructor(
    private readonly server: Server,
    port: number,
    private readonly options: FakeBrotherQlOptions,
  ) {
    this.address = `127.0.0.1:${port}`;
  }

  static async start(options: FakeBrotherQlOptions = {}): Promise<FakeBrotherQl> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP port');
    const fake = new FakeBrotherQl(server, address.port, options);
    server.on('connection', (socket) => fake.serve(socket));
    return fake;
  }

  printed(): PrintedPage[] {
    return [...this.pages];
  }

  /** Runs out of labels once `n` pages have been printed in all. */
  noMediaAfter(n: number): void {
    this.emptyAfter = n;
    if (this.pages.length >= n) this.empty = true;
  }

  refill(): void {
    this.empty = false;
    this.emptyAfter = null;
  }

  openCover(): void {
    this.coverOpen = true;
  }

  closeCover(): void {
    this.coverOpen = false;
  }

  /** Drops the connection halfway through receiving page `n` (the n-th page printed in all); once. */
  dropConnectionMidPage(n: number): void {
    this.dropAt = n;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => {});
    const parser = new BrotherRasterParser();
    this.sessions.push(parser.commands);
    /** After an error the QL ignores data until the host starts again (ESC @). */
    let halted = false;
    let queue = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      queue = queue.then(async () => {
        if (socket.destroyed) return;
        let events;
        try {
          events = parser.push(chunk);
        } catch (error) {
          this.protocolErrors.push((error as Error).message);
          socket.destroy();
          return;
        }
        for (const event of events) {
          if (socket.destroyed) return;
          if (event.kind === 'init') halted = false;
          else if (event.kind === 'status-request') socket.write(this.status(STATUS.reply, 0));
          else if (event.kind === 'line' && this.dropAt === this.pages.length + 1 && event.index >= 100) {
            this.dropAt = null;
            socket.destroy();
            return;
          } else if (event.kind === 'page' && !halted) {
            halted = !(await this.print(socket, event.page));
          }
        }
      });
    });
  }

  /** Prints a page, or answers an error status and discards it; false when it stopped on an error. */
  private async print(socket: Socket, page: RasterPage): Promise<boolean> {
    if (this.empty || this.coverOpen) {
      socket.write(this.status(STATUS.error, 0));
      return false;
    }
    if (page.info && page.info.lines !== page.height) {
      this.protocolErrors.push(`ESC i z says ${page.info.lines} lines, page has ${page.height}`);
    }
    socket.write(this.status(STATUS.phase, 1));
    if (this.options.printMs) await new Promise((resolve) => setTimeout(resolve, this.options.printMs));
    this.pages.push({
      seq: this.pages.length + 1,
      bitmap: { width: page.width, height: page.height, rows: page.rows },
      page,
    });
    if (this.emptyAfter !== null && this.pages.length >= this.emptyAfter) this.empty = true;
    socket.write(this.status(STATUS.printed, 0));
    socket.write(this.status(STATUS.phase, 0));
    return true;
  }

  /** The 32-byte status a QL-820NWB sends, with today's error bits and media. */
  private status(type: number, phase: number): Uint8Array {
    const s = new Uint8Array(32);
    s.set([0x80, 0x20, 0x42, 0x34, 0x41, 0x30, 0x30, 0x00]);
    s[8] = this.empty ? 0x01 : 0;
    s[9] = this.coverOpen ? 0x10 : 0;
    s[10] = this.empty ? 0 : 62;
    s[11] = this.empty ? 0 : 0x0b;
    s[17] = this.empty ? 0 : 29;
    s[18] = type;
    s[19] = phase;
    return s;
  }
}
