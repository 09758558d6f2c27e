/**
 * 2D codes as module matrices and as PDF path operators.
 *
 * A code is drawn as one filled path of rectangles rather than an image: it stays sharp at any
 * printer resolution, has no seams between modules, and costs a few hundred bytes instead of a PNG.
 * QR comes from the `qrcode` package (≈10× faster than bwip-js for QR on this workload), DataMatrix
 * and GS1 DataMatrix from bwip-js.
 */
import { createRequire } from 'node:module';
import type BwipJs from 'bwip-js';
import QRCode from 'qrcode';
import { ValidationError } from '../domain/errors.ts';
import type { Symbology } from '../domain/label-templates.ts';

const require = createRequire(import.meta.url);
let bwip: typeof BwipJs | undefined;
/** bwip-js is loaded on first use: QR-only renders (and their worker threads) never need its ~10 MB. */
function bwipjs(): typeof BwipJs {
  return (bwip ??= require('bwip-js') as typeof BwipJs);
}

/** A symbol's modules, row-major from the top-left, 1 = dark; no quiet zone. */
export interface ModuleMatrix {
  width: number;
  height: number;
  modules: Uint8Array;
}

/** QR code at error correction level M: survives a scratched or smudged label, keeps modules large. */
export function qrMatrix(text: string): ModuleMatrix {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
  return { width: modules.size, height: modules.size, modules: modules.data };
}

/** Square ECC 200 DataMatrix, the smallest size that holds the text. */
export function dataMatrixMatrix(text: string): ModuleMatrix {
  const [symbol] = bwipjs().raw({ bcid: 'datamatrix', text });
  if (!symbol || !('pixs' in symbol)) throw new Error('bwip-js returned no DataMatrix matrix');
  return { width: symbol.pixx, height: symbol.pixy, modules: Uint8Array.from(symbol.pixs) };
}

/**
 * Square GS1 DataMatrix of a bracketed element string (`(01)…(21)…`): FNC1 first, FNC1 again after a
 * variable-length field that is not last, as bwip-js's `gs1datamatrix` encodes it. bwip-js checks the
 * string against GS1's rules too (check digits, lengths, character sets); what it refuses is a
 * ValidationError naming `field`.
 */
export function gs1DataMatrixMatrix(elementString: string, field = 'gs1'): ModuleMatrix {
  let symbol;
  try {
    [symbol] = bwipjs().raw({ bcid: 'gs1datamatrix', text: elementString });
  } catch (error) {
    const reason = error instanceof Error ? error.message.replace(/^bwipp\.\w+#\d+: /, '') : String(error);
    throw ValidationError.field(field, `is not a GS1 element string a DataMatrix can carry: ${reason}`);
  }
  if (!symbol || !('pixs' in symbol)) throw new Error('bwip-js returned no GS1 DataMatrix matrix');
  return { width: symbol.pixx, height: symbol.pixy, modules: Uint8Array.from(symbol.pixs) };
}

export function encodeSymbol(symbology: Symbology, text: string): ModuleMatrix {
  return symbology === 'qr' ? qrMatrix(text) : dataMatrixMatrix(text);
}

/**
 * The dark modules as `x y w h re` operators in module units, y growing downwards (the caller sets a
 * matrix that flips and scales). Horizontal runs of dark modules become one rectangle, and a run
 * repeated exactly in the next row grows that rectangle downwards — finder patterns and timing
 * columns collapse, which roughly halves the path compared to one rectangle per run.
 */
export function matrixPath(matrix: ModuleMatrix): string {
  const { width, height, modules } = matrix;
  // Rectangles as parallel arrays; `open` maps a run (x, w) of the previous row to its rectangle.
  const rx: number[] = [];
  const ry: number[] = [];
  const rw: number[] = [];
  const rh: number[] = [];
  let open = new Map<number, number>();
  for (let y = 0; y < height; y++) {
    const next = new Map<number, number>();
    const row = y * width;
    let x = 0;
    while (x < width) {
      if (modules[row + x] === 0) {
        x++;
        continue;
      }
      const start = x;
      while (x < width && modules[row + x] !== 0) x++;
      const key = start * 65536 + (x - start);
      const rect = open.get(key);
      if (rect === undefined) {
        next.set(key, rx.length);
        rx.push(start);
        ry.push(y);
        rw.push(x - start);
        rh.push(1);
      } else {
        rh[rect]!++;
        next.set(key, rect);
      }
    }
    open = next;
  }
  let path = '';
  for (let i = 0; i < rx.length; i++) path += `${rx[i]} ${ry[i]} ${rw[i]} ${rh[i]} re\n`;
  return path;
}
