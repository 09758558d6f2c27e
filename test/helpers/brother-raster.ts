/**
 * Reading a Brother QL raster stream back: an incremental parser of the command language (used by
 * the fake printer too), PackBits decoding to 1-bit raster lines, and pages as gray images (PNG) for
 * the 2D-code decoders of `decode.ts`. Written from the Raster Command Reference, not from the
 * encoder: it accepts what the manual allows (`g`/`G`/`Z` lines, compression on or off, 0x80 no-ops).
 */
import { PNG } from 'pngjs';
import type { GrayImage } from './decode.ts';

export const HEAD_BYTES = 90;
const ESC = 0x1b;

/** `ESC i z` fields. */
export interface PrintInfo {
  flags: number;
  mediaType: number;
  widthMm: number;
  lengthMm: number;
  lines: number;
  /** 0 on the first page of a job, 1 on the others. */
  page: number;
}

/** One page as received: 90-byte raster lines (720 pins, most significant bit first, 1 = black). */
export interface RasterPage {
  info: PrintInfo | null;
  width: number;
  height: number;
  rows: Uint8Array;
  /** Ended by 0x1A (last page) rather than 0x0C. */
  last: boolean;
  /** Mode bytes in force when it was printed. */
  autoCut: boolean;
  cutAtEnd: boolean;
  margin: number;
  compression: number;
}

export type RasterEvent =
  | { kind: 'status-request' }
  | { kind: 'init' }
  | { kind: 'line'; index: number }
  | { kind: 'page'; page: RasterPage };

export function unpackBits(data: Uint8Array, expected: number): Uint8Array {
  const out = new Uint8Array(expected);
  let at = 0;
  let i = 0;
  while (i < data.length) {
    const n = data[i++]!;
    if (n === 0x80) continue;
    if (n < 0x80) {
      if (i + n + 1 > data.length || at + n + 1 > expected) throw new RangeError('PackBits literal overruns');
      out.set(data.subarray(i, i + n + 1), at);
      at += n + 1;
      i += n + 1;
    } else {
      const count = 257 - n;
      if (i >= data.length || at + count > expected) throw new RangeError('PackBits repeat overruns');
      out.fill(data[i++]!, at, at + count);
      at += count;
    }
  }
  if (at !== expected) throw new RangeError(`PackBits line of ${at} bytes, expected ${expected}`);
  return out;
}

/**
 * Parses a raster stream fed in chunks of any size. Each complete command is logged in `commands`
 * (`invalidate`, `ESC @`, `ESC i z`, `g`, `print 0C`, …); `push` returns what happened.
 */
export class BrotherRasterParser {
  readonly commands: string[] = [];
  private buffer = new Uint8Array(0);
  private lines: Uint8Array[] = [];
  private info: PrintInfo | null = null;
  private compression = 0;
  private autoCut = false;
  private cutAtEnd = false;
  private margin = 0;

  /** Raster lines of the page being received. */
  get pendingLines(): number {
    return this.lines.length;
  }

  push(chunk: Uint8Array): RasterEvent[] {
    const joined = new Uint8Array(this.buffer.length + chunk.length);
    joined.set(this.buffer);
    joined.set(chunk, this.buffer.length);
    const events: RasterEvent[] = [];
    let at = 0;
    for (;;) {
      const used = this.command(joined, at, events);
      if (used === 0) break;
      at += used;
    }
    this.buffer = joined.slice(at);
    return events;
  }

  /** Bytes of the complete command at `at` (0 when incomplete). */
  private command(b: Uint8Array, at: number, events: RasterEvent[]): number {
    const left = b.length - at;
    if (left < 1) return 0;
    const op = b[at]!;
    const log = (name: string) => {
      if (this.commands.at(-1) !== name || !['invalidate', 'g', 'Z'].includes(name)) this.commands.push(name);
    };
    if (op === 0x00) return (log('invalidate'), 1);
    if (op === 0x0c || op === 0x1a) {
      log(op === 0x0c ? 'print 0C' : 'print 1A');
      events.push({ kind: 'page', page: this.page(op === 0x1a) });
      return 1;
    }
    if (op === 0x4d) return left < 2 ? 0 : (log('M'), (this.compression = b[at + 1]!), 2);
    if (op === 0x5a) return (log('Z'), this.line(new Uint8Array(HEAD_BYTES), events), 1);
    if (op === 0x67 || op === 0x47) {
      if (left < 3) return 0;
      const n = op === 0x67 ? b[at + 2]! : b[at + 1]! | (b[at + 2]! << 8);
      if (left < 3 + n) return 0;
      const data = b.subarray(at + 3, at + 3 + n);
      log('g');
      this.line(this.compression === 2 ? unpackBits(data, HEAD_BYTES) : Uint8Array.from(data), events);
      return 3 + n;
    }
    if (op !== ESC)
      throw new RangeError(`unknown command byte 0x${op.toString(16)} at ${this.commands.length}`);
    if (left < 2) return 0;
    if (b[at + 1] === 0x40) {
      log('ESC @');
      this.reset();
      events.push({ kind: 'init' });
      return 2;
    }
    if (b[at + 1] !== 0x69) throw new RangeError(`unknown command ESC 0x${b[at + 1]!.toString(16)}`);
    if (left < 3) return 0;
    const sub = String.fromCharCode(b[at + 2]!);
    const sizes: Record<string, number> = { S: 3, a: 4, '!': 4, z: 13, M: 4, A: 4, K: 4, d: 5 };
    const size = sizes[sub];
    if (size === undefined) throw new RangeError(`unknown command ESC i ${sub}`);
    if (left < size) return 0;
    const p = b.subarray(at + 3, at + size);
    log(`ESC i ${sub}`);
    if (sub === 'S') events.push({ kind: 'status-request' });
    else if (sub === 'z') {
      this.info = {
        flags: p[0]!,
        mediaType: p[1]!,
        widthMm: p[2]!,
        lengthMm: p[3]!,
        lines: p[4]! | (p[5]! << 8) | (p[6]! << 16) | (p[7]! << 24),
        page: p[8]!,
      };
    } else if (sub === 'M') this.autoCut = (p[0]! & 0x40) !== 0;
    else if (sub === 'K') this.cutAtEnd = (p[0]! & 0x08) !== 0;
    else if (sub === 'd') this.margin = p[0]! | (p[1]! << 8);
    return size;
  }

  private line(row: Uint8Array, events: RasterEvent[]): void {
    this.lines.push(row);
    events.push({ kind: 'line', index: this.lines.length - 1 });
  }

  private page(last: boolean): RasterPage {
    const rows = new Uint8Array(this.lines.length * HEAD_BYTES);
    this.lines.forEach((line, i) => rows.set(line, i * HEAD_BYTES));
    const page: RasterPage = {
      info: this.info,
      width: HEAD_BYTES * 8,
      height: this.lines.length,
      rows,
      last,
      autoCut: this.autoCut,
      cutAtEnd: this.cutAtEnd,
      margin: this.margin,
      compression: this.compression,
    };
    this.lines = [];
    return page;
  }

  private reset(): void {
    this.lines = [];
    this.info = null;
    this.compression = 0;
  }
}

/** Every page of a complete raster stream, and the commands in order. */
export function decodeBrotherRaster(bytes: Uint8Array): { pages: RasterPage[]; commands: string[] } {
  const parser = new BrotherRasterParser();
  const pages = parser.push(bytes).flatMap((e) => (e.kind === 'page' ? [e.page] : []));
  return { pages, commands: parser.commands };
}

/**
 * A page as the label reads: pins `pin`…`pin + width − 1` un-mirrored (pin 0 prints at the label's
 * right edge), white = 255, black = 0. Defaults: the 696 printable dots of 62 mm stock from pin 12.
 */
export function pageImage(page: Pick<RasterPage, 'rows' | 'height'>, pin = 12, width = 696): GrayImage {
  const data = new Uint8Array(width * page.height).fill(255);
  for (let y = 0; y < page.height; y++) {
    for (let j = 0; j < width; j++) {
      const p = pin + width - 1 - j;
      if ((page.rows[y * HEAD_BYTES + (p >> 3)]! >> (7 - (p & 7))) & 1) data[y * width + j] = 0;
    }
  }
  return { width, height: page.height, data };
}

export function toPng(image: GrayImage): Buffer {
  const png = new PNG({ width: image.width, height: image.height });
  for (let i = 0; i < image.data.length; i++) {
    png.data.fill(image.data[i]!, i * 4, i * 4 + 3);
    png.data[i * 4 + 3] = 255;
  }
  return PNG.sync.write(png);
}
