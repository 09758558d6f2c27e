/**
 * The Brother QL raster command language (QL-800/810W/820NWB "Raster Command Reference"): pure
 * encoders of a print job and a parser of the printer's 32-byte status. No I/O here; the driver is
 * `brother-ql.ts`.
 *
 * A job is: invalidate (200 × 0x00, which ends any half-received command), `ESC @` (initialise),
 * `ESC i a 01` (raster mode), `ESC i ! 00` (send a status after every page); then per page:
 * `ESC i z` (print information: media type, width, length, raster line count, first page or not),
 * `ESC i M 40` (auto cut), `ESC i A 01` (cut every label), `ESC i K 08` (cut at end), `ESC i d 0 0`
 * (no feed margin: die-cut), `M 02` (TIFF PackBits compression), one `g 00 n <n bytes>` per raster
 * line, and `0x0C` (print, more pages follow) or `0x1A` (print, last page).
 *
 * Orientation: the QL feeds a 62 × 29 mm die-cut label with its 62 mm side across the 720-pin head,
 * so the label is not rotated: the printable 696 × 271 dots of the 732 × 341-dot label (1.5 mm off
 * each side, 3 mm off top and bottom) are sent top row first, one raster line per row. A raster line
 * is 90 bytes (720 pins, most significant bit first); pin 0 prints at the label's right edge, so each
 * row is mirrored, and the 696 printable dots sit on pins 12…707 (12 pins unused on each side, the
 * manual's media table for 62 mm stock).
 */
import { ValidationError } from '../domain/errors.ts';
import type { PrinterState, PrinterStatus } from '../domain/printers.ts';

/** Pins across the print head of the 62 mm models (QL-500 … QL-820NWB): 90 bytes a raster line. */
export const HEAD_PINS = 720;
export const LINE_BYTES = HEAD_PINS / 8;
export const INVALIDATE_BYTES = 200;

/** Stock a Brother QL driver can print on, by label template. */
export interface BrotherMedia {
  template: string;
  dpi: number;
  /** `ESC i z` media type: 0x0A continuous, 0x0B die-cut. */
  mediaType: number;
  widthMm: number;
  lengthMm: number;
  /** Printable dots across the head and raster lines per label. */
  dots: { width: number; length: number };
  /** First pin of the printable width on the head (the manual's left margin). */
  pin: number;
  /** Where the printable window lies in the label's own raster (see `raster.ts`). */
  offset: { x: number; y: number };
}

export const BROTHER_MEDIA: Record<string, BrotherMedia> = {
  'brother-62x29': {
    template: 'brother-62x29',
    dpi: 300,
    mediaType: 0x0b,
    widthMm: 62,
    lengthMm: 29,
    dots: { width: 696, length: 271 },
    pin: 12,
    offset: { x: 18, y: 35 },
  },
};

/** The media of a template, or a ValidationError naming `template`. */
export function brotherMedia(template: string): BrotherMedia {
  const media = Object.hasOwn(BROTHER_MEDIA, template) ? BROTHER_MEDIA[template] : undefined;
  if (!media) {
    throw ValidationError.field(
      'template',
      `a Brother QL prints on ${Object.keys(BROTHER_MEDIA).join(', ')}, not '${template}'`,
    );
  }
  return media;
}

/**
 * TIFF PackBits: runs of 3+ equal bytes as (1 − n, byte), everything else as (n − 1, n literal
 * bytes); a pair stays in its literal, so a 90-byte line never packs to more than 91 bytes.
 */
export function packBits(data: Uint8Array): Uint8Array {
  const out: number[] = [];
  const runAt = (i: number) => {
    let run = 1;
    while (i + run < data.length && run < 128 && data[i + run] === data[i]) run++;
    return run;
  };
  let i = 0;
  while (i < data.length) {
    const run = runAt(i);
    if (run >= 3) {
      out.push(257 - run, data[i]!);
      i += run;
      continue;
    }
    const start = i;
    while (i < data.length && i - start < 128 && runAt(i) < 3) i++;
    out.push(i - start - 1);
    for (let k = start; k < i; k++) out.push(data[k]!);
  }
  return Uint8Array.from(out);
}

/** The inverse of {@link packBits}; throws on a truncated stream. */
export function unpackBits(data: Uint8Array): Uint8Array {
  const out: number[] = [];
  let i = 0;
  while (i < data.length) {
    const n = data[i++]!;
    if (n < 128) {
      if (i + n + 1 > data.length) throw new RangeError('PackBits: literal run past the end');
      out.push(...data.subarray(i, i + n + 1));
      i += n + 1;
    } else if (n > 128) {
      if (i >= data.length) throw new RangeError('PackBits: repeat run past the end');
      for (let k = 0; k < 257 - n; k++) out.push(data[i]!);
      i++;
    } else {
      // 0x80 is a no-op in TIFF PackBits.
    }
  }
  return Uint8Array.from(out);
}

const ESC = 0x1b;

/** The job's opening: invalidate, initialise, raster mode, a status after every page. */
export function jobHeader(): Uint8Array {
  const bytes = new Uint8Array(INVALIDATE_BYTES + 10);
  bytes.set([ESC, 0x40, ESC, 0x69, 0x61, 0x01, ESC, 0x69, 0x21, 0x00], INVALIDATE_BYTES);
  return bytes;
}

/** Invalidate, initialise, `ESC i S`: asks for one 32-byte status. */
export function statusRequest(): Uint8Array {
  const bytes = new Uint8Array(INVALIDATE_BYTES + 5);
  bytes.set([ESC, 0x40, ESC, 0x69, 0x53], INVALIDATE_BYTES);
  return bytes;
}

export const PRINT_NEXT = 0x0c;
export const PRINT_LAST = 0x1a;

/**
 * One page: its commands and raster lines, ended by `0x1A` when `last`, else `0x0C`. `lines` holds
 * `media.dots.length` raster lines of {@link LINE_BYTES} bytes each, already in head order.
 */
export function encodePage(
  media: BrotherMedia,
  lines: Uint8Array,
  first: boolean,
  last: boolean,
): Uint8Array {
  const count = media.dots.length;
  if (lines.length !== count * LINE_BYTES)
    throw new RangeError(`a page has ${count} lines of ${LINE_BYTES} bytes`);
  const parts: Uint8Array[] = [
    Uint8Array.from([
      ...[ESC, 0x69, 0x7a, 0x80 | 0x40 | 0x02 | 0x04 | 0x08, media.mediaType, media.widthMm, media.lengthMm],
      ...[count & 0xff, (count >> 8) & 0xff, (count >> 16) & 0xff, count >>> 24, first ? 0 : 1, 0],
      ...[ESC, 0x69, 0x4d, 0x40, ESC, 0x69, 0x41, 0x01, ESC, 0x69, 0x4b, 0x08, ESC, 0x69, 0x64, 0, 0],
      ...[0x4d, 0x02],
    ]),
  ];
  for (let k = 0; k < count; k++) {
    const packed = packBits(lines.subarray(k * LINE_BYTES, (k + 1) * LINE_BYTES));
    parts.push(Uint8Array.from([0x67, 0x00, packed.length]), packed);
  }
  parts.push(Uint8Array.of(last ? PRINT_LAST : PRINT_NEXT));
  return concat(parts);
}

/**
 * A label's raster (as `rasterLabel` makes it) as the page's raster lines: the printable window cut
 * out at `media.offset`, each row mirrored onto the head's pins from `media.pin`.
 */
export function headLines(
  media: BrotherMedia,
  label: { width: number; height: number; rows: Uint8Array },
): Uint8Array {
  const { width, length } = media.dots;
  const stride = Math.ceil(label.width / 8);
  const out = new Uint8Array(length * LINE_BYTES);
  for (let k = 0; k < length; k++) {
    const y = media.offset.y + k;
    if (y < 0 || y >= label.height) continue;
    for (let j = 0; j < width; j++) {
      const x = media.offset.x + j;
      if (x < 0 || x >= label.width || ((label.rows[y * stride + (x >> 3)]! >> (7 - (x & 7))) & 1) === 0)
        continue;
      const pin = media.pin + width - 1 - j;
      out[k * LINE_BYTES + (pin >> 3)]! |= 0x80 >> (pin & 7);
    }
  }
  return out;
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

// The 32-byte status.

export const STATUS_BYTES = 32;
export const STATUS_TYPE = {
  reply: 0x00,
  printed: 0x01,
  error: 0x02,
  off: 0x04,
  notification: 0x05,
  phase: 0x06,
} as const;

/** Error information 1 (byte 8) and 2 (byte 9) bits, as the manual names them. */
const ERROR_1: [number, PrinterState, string][] = [
  [0x01, 'paper-out', 'no media loaded'],
  [0x02, 'paper-out', 'end of media (die-cut labels)'],
  [0x04, 'jammed', 'cutter jam'],
  [0x10, 'printing', 'printer in use'],
  [0x20, 'error', 'printer turned off'],
  [0x40, 'error', 'high-voltage adapter'],
  [0x80, 'error', 'fan motor error'],
];
const ERROR_2: [number, PrinterState, string][] = [
  [0x01, 'paper-out', 'replace media'],
  [0x02, 'error', 'expansion buffer full'],
  [0x04, 'error', 'communication error'],
  [0x08, 'error', 'communication buffer full'],
  [0x10, 'head-open', 'cover open'],
  [0x20, 'error', 'cancelled on the printer'],
  [0x40, 'paper-out', 'media cannot be fed'],
  [0x80, 'error', 'system error'],
];

export interface QlStatus {
  errors1: number;
  errors2: number;
  mediaWidth: number;
  mediaType: number;
  mediaLength: number;
  statusType: number;
  phase: number;
  notification: number;
  model: number;
}

export function parseQlStatus(bytes: Uint8Array): QlStatus {
  if (bytes.length !== STATUS_BYTES || bytes[0] !== 0x80 || bytes[1] !== 0x20 || bytes[2] !== 0x42) {
    throw new RangeError('not a Brother QL status (32 bytes starting 80 20 42)');
  }
  return {
    model: bytes[4]!,
    errors1: bytes[8]!,
    errors2: bytes[9]!,
    mediaWidth: bytes[10]!,
    mediaType: bytes[11]!,
    mediaLength: bytes[17]!,
    statusType: bytes[18]!,
    phase: bytes[19]!,
    notification: bytes[22]!,
  };
}

/** The status in the product's words; `media` (when given) must be the stock loaded. */
export function qlPrinterStatus(status: QlStatus, media?: BrotherMedia): PrinterStatus {
  const detail: Record<string, unknown> = { ...status };
  const faults = [
    ...ERROR_1.filter(([bit]) => status.errors1 & bit),
    ...ERROR_2.filter(([bit]) => status.errors2 & bit),
  ];
  const fault = faults.find(([, state]) => state !== 'printing') ?? faults[0];
  if (fault) {
    const message = faults.map(([, , text]) => text).join(', ');
    return {
      state: fault[1],
      ready: false,
      message: fault[1] === 'paper-out' ? `out of labels: ${message}` : message,
      detail,
    };
  }
  const kind =
    (status.mediaType & 0x0f) === 0x0b
      ? 'die-cut'
      : (status.mediaType & 0x0f) === 0x0a
        ? 'continuous'
        : 'unknown';
  if (
    media &&
    (status.mediaWidth !== media.widthMm ||
      status.mediaLength !== media.lengthMm ||
      (status.mediaType & 0x0f) !== media.mediaType)
  ) {
    const loaded = status.mediaLength
      ? `${status.mediaWidth} × ${status.mediaLength} mm`
      : `${status.mediaWidth} mm`;
    return {
      state: 'error',
      ready: false,
      message: `wrong labels loaded: ${loaded} ${kind}, expected ${media.widthMm} × ${media.lengthMm} mm`,
      detail,
    };
  }
  if (status.statusType === STATUS_TYPE.notification && status.notification === 0x03) {
    return { state: 'printing', ready: false, message: 'cooling down', detail };
  }
  if (status.statusType === STATUS_TYPE.phase && status.phase === 0x01) {
    return { state: 'printing', ready: false, message: 'printing', detail };
  }
  return { state: 'ready', ready: true, message: 'ready', detail };
}
