/**
 * Reading rendered labels back as a scanner would: rasterize PDF pages with poppler's `pdftoppm`,
 * then decode 2D codes with real decoders (jsQR for QR, ZXing for DataMatrix).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BinaryBitmap, DataMatrixReader, HybridBinarizer, RGBLuminanceSource } from '@zxing/library';
import * as jsQRModule from 'jsqr';
import type { Options as JsQrOptions, QRCode } from 'jsqr';
import { PNG } from 'pngjs';

const run = promisify(execFile);

// jsqr ships CommonJS with `exports.default`: depending on the loader (Node's NodeNext interop or
// vitest's), the default import is the function or the module object holding it.
type JsQr = (data: Uint8ClampedArray, width: number, height: number, options?: JsQrOptions) => QRCode | null;
const jsQRExport = (jsQRModule as unknown as { default: JsQr | { default: JsQr } }).default;
const jsQR: JsQr = typeof jsQRExport === 'function' ? jsQRExport : jsQRExport.default;

/** An 8-bit grayscale image, row-major, 0 = black. */
export interface GrayImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** A rectangle in pixels. */
export interface PixelBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Rasterizes pages `first`..`last` (1-based) of a PDF in gray at `dpi`, as pdftoppm -gray does. */
export async function rasterize(
  pdf: string,
  options: { dpi: number; first: number; last?: number },
): Promise<GrayImage[]> {
  const dir = await mkdtemp(join(tmpdir(), 'bt-raster-'));
  try {
    const last = options.last ?? options.first;
    await run('pdftoppm', [
      '-gray',
      '-r',
      String(options.dpi),
      '-f',
      String(options.first),
      '-l',
      String(last),
      '-png',
      pdf,
      join(dir, 'p'),
    ]);
    const files = (await readdir(dir)).filter((f) => f.endsWith('.png')).sort();
    const images: GrayImage[] = [];
    for (const file of files) {
      const png = PNG.sync.read(await readFile(join(dir, file)));
      const data = new Uint8Array(png.width * png.height);
      for (let i = 0; i < data.length; i++) data[i] = png.data[i * 4]!;
      images.push({ width: png.width, height: png.height, data });
    }
    return images;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A part of an image (clamped to it). */
export function crop(image: GrayImage, box: PixelBox): GrayImage {
  const x0 = Math.max(0, Math.floor(box.x));
  const y0 = Math.max(0, Math.floor(box.y));
  const x1 = Math.min(image.width, Math.ceil(box.x + box.width));
  const y1 = Math.min(image.height, Math.ceil(box.y + box.height));
  const width = x1 - x0;
  const height = y1 - y0;
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++)
    data.set(image.data.subarray((y0 + y) * image.width + x0, (y0 + y) * image.width + x1), y * width);
  return { width, height, data };
}

/** Adds a white border: decoders need a quiet zone, which a tight crop may have cut. */
export function pad(image: GrayImage, border: number): GrayImage {
  const width = image.width + 2 * border;
  const height = image.height + 2 * border;
  const data = new Uint8Array(width * height).fill(255);
  for (let y = 0; y < image.height; y++) {
    data.set(image.data.subarray(y * image.width, (y + 1) * image.width), (y + border) * width + border);
  }
  return { width, height, data };
}

/** The text of the one QR code in the image, or null. */
export function decodeQr(image: GrayImage): string | null {
  const rgba = new Uint8ClampedArray(image.width * image.height * 4);
  for (let i = 0; i < image.data.length; i++) {
    const v = image.data[i]!;
    rgba[i * 4] = v;
    rgba[i * 4 + 1] = v;
    rgba[i * 4 + 2] = v;
    rgba[i * 4 + 3] = 255;
  }
  return jsQR(rgba, image.width, image.height, { inversionAttempts: 'dontInvert' })?.data ?? null;
}

/** The text of the one DataMatrix code in the image, or null. */
export function decodeDataMatrix(image: GrayImage): string | null {
  const source = new RGBLuminanceSource(new Uint8ClampedArray(image.data), image.width, image.height);
  try {
    return new DataMatrixReader().decode(new BinaryBitmap(new HybridBinarizer(source))).getText();
  } catch {
    return null;
  }
}

/** Pixels darker than `threshold` outside every one of `allowed` (e.g. ink beyond a label's boxes). */
export function darkPixelsOutside(image: GrayImage, allowed: PixelBox[], threshold = 128): number {
  let count = 0;
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      if (image.data[y * image.width + x]! >= threshold) continue;
      if (!allowed.some((b) => x >= b.x && x < b.x + b.width && y >= b.y && y < b.y + b.height)) count++;
    }
  }
  return count;
}

/** Runs a poppler tool and returns its standard output (e.g. `pdfinfo`, `pdftotext`). */
export async function poppler(
  tool: 'pdfinfo' | 'pdftotext',
  args: string[],
): Promise<{ stdout: string; stderr: string }> {
  const { stdout, stderr } = await run(tool, args, { maxBuffer: 64 * 1024 * 1024 });
  return { stdout, stderr };
}
