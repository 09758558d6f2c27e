/**
 * The brother-ql driver's encoders, without a printer: the command stream's structure byte for byte,
 * PackBits, the 1-bit raster of a 62 × 29 mm label read back by real decoders (jsQR, ZXing), and the
 * 32-byte status in the product's words.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/domain/errors.ts';
import { getTemplate } from '../../src/domain/label-templates.ts';
import type { LabelContent } from '../../src/domain/labels.ts';
import type { PrinterTarget } from '../../src/domain/printers.ts';
import { LabelLayout } from '../../src/labels/layout.ts';
import { qrMatrix } from '../../src/labels/symbols.ts';
import { brotherQlDriver } from '../../src/printers/brother-ql.ts';
import {
  BROTHER_MEDIA,
  packBits,
  parseQlStatus,
  qlPrinterStatus,
  unpackBits,
} from '../../src/printers/brother-ql-raster.ts';
import { rasterLabel, type LabelRaster } from '../../src/printers/raster.ts';
import { decodeBrotherRaster, pageImage, unpackBits as referenceUnpack } from '../helpers/brother-raster.ts';
import {
  crop,
  darkPixelsOutside,
  decodeDataMatrix,
  decodeQr,
  pad,
  type GrayImage,
} from '../helpers/decode.ts';

const target: PrinterTarget = {
  name: 'QL-820NWB line 1',
  driver: 'brother-ql',
  address: '127.0.0.1:9100',
  template: 'brother-62x29',
  dpi: 300,
};
const template = getTemplate('brother-62x29');
const label = (n: number, extra: Partial<LabelContent> = {}): LabelContent => ({
  code: `7K3M9Q2R${String(n).padStart(2, '0')}`,
  url: `https://buildtrace.example.com/id/7K3M9Q2R${String(n).padStart(2, '0')}`,
  title: 'Power Supply Board Rev C',
  serial: n,
  buildCode: 'B2C3D4E5F6',
  date: '2026-12-07',
  ...extra,
});

const dotAt = (r: LabelRaster, x: number, y: number) =>
  (r.rows[y * Math.ceil(r.width / 8) + (x >> 3)]! >> (7 - (x & 7))) & 1;
function gray(r: LabelRaster): GrayImage {
  const data = new Uint8Array(r.width * r.height);
  for (let y = 0; y < r.height; y++)
    for (let x = 0; x < r.width; x++) data[y * r.width + x] = dotAt(r, x, y) ? 0 : 255;
  return { width: r.width, height: r.height, data };
}

describe('PackBits', () => {
  it('encodes the TIFF specification example exactly', () => {
    const unpacked = Uint8Array.from(
      [0xaa, 0xaa, 0xaa, 0x80, 0x00, 0x2a, 0xaa, 0xaa, 0xaa, 0xaa, 0x80, 0x00, 0x2a, 0x22].concat(
        Array(10).fill(0xaa),
      ),
    );
    const packed = [0xfe, 0xaa, 0x02, 0x80, 0x00, 0x2a, 0xfd, 0xaa, 0x03, 0x80, 0x00, 0x2a, 0x22, 0xf7, 0xaa];
    expect([...packBits(unpacked)]).toEqual(packed);
    expect([...unpackBits(Uint8Array.from(packed))]).toEqual([...unpacked]);
  });

  it('round-trips any 90-byte raster line through the encoder and the independent decoder', () => {
    const line = fc.uint8Array({ minLength: 90, maxLength: 90 });
    const sparse = fc
      .array(fc.constantFrom(0, 0, 0, 0xff, 0x0f), { minLength: 90, maxLength: 90 })
      .map((a) => Uint8Array.from(a));
    fc.assert(
      fc.property(fc.oneof(line, sparse), (data) => {
        const packed = packBits(data);
        expect([...referenceUnpack(packed, 90)]).toEqual([...data]);
        expect([...unpackBits(packed)]).toEqual([...data]);
        expect(packed.length).toBeLessThanOrEqual(91);
      }),
      { numRuns: 500 },
    );
  });
});

describe('raster of a 62 × 29 mm label at 300 dpi', () => {
  it('draws the QR code module by module on whole dots where LabelLayout puts it, and it decodes to the URL', () => {
    const content = label(42);
    const raster = rasterLabel(template, 300, content);
    expect([raster.width, raster.height]).toEqual([732, 343]);
    const matrix = qrMatrix(content.url);
    const dot = 72 / 300;
    const module = new LabelLayout(template, 300).moduleSize(matrix) / dot;
    expect(Number.isInteger(Math.round(module * 1e6) / 1e6)).toBe(true);
    const m = Math.round(module);
    // The finder pattern's corner is the first dark dot; every module is m × m dots of one colour.
    let x0 = Infinity;
    let y0 = Infinity;
    for (let y = 0; y < raster.height; y++)
      for (let x = 0; x < 342; x++) if (dotAt(raster, x, y)) [x0, y0] = [Math.min(x0, x), Math.min(y0, y)];
    const box = template.code.box;
    const mm = (v: number) => (v * 72) / 25.4;
    expect(x0).toBe(Math.round((mm(box.x) + (mm(box.width) - matrix.width * m * dot) / 2) / dot));
    expect(y0).toBe(Math.round((mm(box.y) + (mm(box.height) - matrix.height * m * dot) / 2) / dot));
    for (let my = 0; my < matrix.height; my++) {
      for (let mx = 0; mx < matrix.width; mx++) {
        const want = matrix.modules[my * matrix.width + mx]!;
        for (let dy = 0; dy < m; dy++)
          for (let dx = 0; dx < m; dx++) expect(dotAt(raster, x0 + mx * m + dx, y0 + my * m + dy)).toBe(want);
      }
    }
    expect(decodeQr(gray(raster))).toBe(content.url);
  });

  it('keeps every text dot inside the text box and the code inside its box', () => {
    const raster = rasterLabel(
      template,
      300,
      label(7, { title: 'A part name far too long to fit on one line of this label, cut' }),
    );
    const px = (v: number) => (v * 300) / 25.4;
    const { code, text } = template;
    const boxes = [code.box, text!.box].map((b) => ({
      x: px(b.x),
      y: px(b.y),
      width: px(b.width),
      height: px(b.height),
    }));
    expect(darkPixelsOutside(gray(raster), boxes)).toBe(0);
    const textInk = darkPixelsOutside(gray(raster), [boxes[0]!]);
    expect(textInk).toBeGreaterThan(2000);
  });

  it("draws a GS1 DataMatrix that ZXing decodes in the code box, with the template's GS1 lines", () => {
    const gs1 = '(01)09501101530003(11)261207(21)42(10)7K3M9Q2R4T';
    const raster = rasterLabel(template, 300, label(1, { gs1 }));
    const image = gray(raster);
    const px = (v: number) => Math.round((v * 300) / 25.4);
    const codeBox = { x: 0, y: 0, width: px(template.code.box.width), height: px(template.code.box.height) };
    const text = decodeDataMatrix(pad(crop(image, codeBox), 20));
    // FNC1 in first position reads as a leading GS, and a GS ends the variable-length (21).
    expect(text).toBe('\u001d0109501101530003112612072142\u001d107K3M9Q2R4T');
    // The human-readable lines fill the text box, as on the PDF.
    const textBox = template.text!.box;
    const box = { x: px(textBox.x), y: px(textBox.y), width: px(textBox.width), height: px(textBox.height) };
    expect(darkPixelsOutside(crop(image, box), [])).toBeGreaterThan(1000);
  });

  it('refuses a URL too long for the code box, naming the label', async () => {
    const long = label(1, { url: `https://buildtrace.example.com/id/${'X'.repeat(900)}` });
    await expect(brotherQlDriver.encode(target, [label(0), long])).rejects.toMatchObject({
      problems: [{ field: 'labels.1.url' }],
    });
  });
});

describe('command stream', () => {
  it('is invalidate, initialise, raster mode, then per page ESC i z … M 02, 271 g lines of 90 dots, 0x0C / 0x1A', async () => {
    const bytes = await brotherQlDriver.encode(target, [label(1), label(2)]);
    expect([...bytes.subarray(0, 200)].every((b) => b === 0)).toBe(true);
    expect([...bytes.subarray(200, 210)]).toEqual([
      0x1b, 0x40, 0x1b, 0x69, 0x61, 0x01, 0x1b, 0x69, 0x21, 0x00,
    ]);
    expect([...bytes.subarray(210, 223)]).toEqual([
      0x1b,
      0x69,
      0x7a,
      0xce,
      0x0b,
      62,
      29,
      271 & 0xff,
      271 >> 8,
      0,
      0,
      0,
      0,
    ]);
    const { pages, commands } = decodeBrotherRaster(bytes);
    const page = ['ESC i z', 'ESC i M', 'ESC i A', 'ESC i K', 'ESC i d', 'M', 'g'];
    expect(commands).toEqual([
      'invalidate',
      'ESC @',
      'ESC i a',
      'ESC i !',
      ...page,
      'print 0C',
      ...page,
      'print 1A',
    ]);
    expect(
      pages.map((p) => [
        p.info?.page,
        p.height,
        p.width,
        p.last,
        p.autoCut,
        p.cutAtEnd,
        p.margin,
        p.compression,
      ]),
    ).toEqual([
      [0, 271, 720, false, true, true, 0, 2],
      [1, 271, 720, true, true, true, 0, 2],
    ]);
    // Nothing printed on the 12 pins either side of the 696 printable ones.
    for (const p of pages) {
      for (let y = 0; y < p.height; y++) {
        for (const pin of [0, 11, 708, 719])
          expect((p.rows[y * 90 + (pin >> 3)]! >> (7 - (pin & 7))) & 1).toBe(0);
      }
      expect(decodeQr(pageImage(p))).toBe(label(p.info!.page + 1).url);
    }
  });

  it('encodes at a rate worth reporting', async () => {
    const labels = Array.from({ length: 100 }, (_, i) => label(i));
    await brotherQlDriver.encode(target, labels.slice(0, 2));
    const started = performance.now();
    await brotherQlDriver.encode(target, labels);
    const perSecond = 100 / ((performance.now() - started) / 1000);
    console.log(`brother-ql: ${perSecond.toFixed(0)} labels/s encoded (62 × 29 mm, 300 dpi)`);
    expect(perSecond).toBeGreaterThan(20);
  });
});

describe('targets', () => {
  it('refuses a bad address, template or resolution, naming the field', async () => {
    for (const address of ['', 'printer 1', 'host:0', 'host:70000', 'http://host', 'host:']) {
      await expect(brotherQlDriver.status({ ...target, address })).rejects.toMatchObject({
        problems: [{ field: 'address' }],
      });
    }
    expect(() => brotherQlDriver.batchSize({ ...target, template: 'zebra-2x1in' })).toThrow(ValidationError);
    await expect(brotherQlDriver.encode({ ...target, dpi: 600 }, [label(1)])).rejects.toMatchObject({
      problems: [{ field: 'dpi' }],
    });
    expect(brotherQlDriver.batchSize({ ...target, address: '[::1]:9100' })).toBe(20);
    expect(brotherQlDriver.batchSize({ ...target, address: 'ql-line-1.local' })).toBe(20);
    await expect(brotherQlDriver.encode(target, [label(1, { date: '7.12.2026' })])).rejects.toMatchObject({
      problems: [{ field: 'labels.0.date' }],
    });
    await expect(brotherQlDriver.encode(target, [label(1, { gs1: '(01)123' })])).rejects.toMatchObject({
      problems: [{ field: 'labels.0.gs1' }],
    });
    await expect(
      brotherQlDriver.print(target, { first: 1, labels: [label(1)], key: '' }, {}),
    ).rejects.toMatchObject({
      problems: [{ field: 'key' }],
    });
  });
});

describe('status', () => {
  const status = (e1: number, e2: number, extra: Partial<Record<number, number>> = {}) => {
    const s = new Uint8Array(32);
    s.set([0x80, 0x20, 0x42, 0x34, 0x41, 0x30, 0x30, 0x00, e1, e2, 62, 0x0b]);
    s[17] = 29;
    for (const [i, v] of Object.entries(extra)) s[Number(i)] = v!;
    return qlPrinterStatus(parseQlStatus(s), BROTHER_MEDIA['brother-62x29']);
  };
  it('reads the error bits in the product words', () => {
    expect(status(0, 0)).toMatchObject({ state: 'ready', ready: true });
    expect(status(0x01, 0)).toMatchObject({
      state: 'paper-out',
      ready: false,
      message: 'out of labels: no media loaded',
    });
    expect(status(0x02, 0).state).toBe('paper-out');
    expect(status(0x04, 0).state).toBe('jammed');
    expect(status(0, 0x10)).toMatchObject({ state: 'head-open', message: 'cover open' });
    expect(status(0, 0x80).state).toBe('error');
    expect(status(0x10, 0)).toMatchObject({ state: 'printing', ready: false });
    expect(status(0, 0, { 18: 0x06, 19: 0x01 }).state).toBe('printing');
    expect(status(0, 0, { 10: 29, 11: 0x0a, 17: 0 })).toMatchObject({
      state: 'error',
      message: 'wrong labels loaded: 29 mm continuous, expected 62 × 29 mm',
    });
    expect(() => parseQlStatus(new Uint8Array(32))).toThrow(RangeError);
  });
});
