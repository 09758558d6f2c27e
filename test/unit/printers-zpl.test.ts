/**
 * ZPL labels read back independently: the driver's ZPL is rendered by zpl-renderer-js (a WASM build
 * of the Zebrash renderer, not ours) and every 2D code is decoded by jsQR / ZXing, as a scanner would
 * read the printed label.
 */
import {
  BinaryBitmap,
  DataMatrixReader,
  DecodeHintType,
  HybridBinarizer,
  RGBLuminanceSource,
} from '@zxing/library';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { ready } from 'zpl-renderer-js';
import { LABEL_TEMPLATES, type TemplateName } from '../../src/domain/label-templates.ts';
import { labelUrl, type LabelContent } from '../../src/domain/labels.ts';
import { LabelLayout } from '../../src/labels/layout.ts';
import { qrMatrix } from '../../src/labels/symbols.ts';
import {
  QR_TOP_OFFSET,
  dataMatrixUrl,
  mmToDots,
  zplCodePlacement,
  zplLabel,
  zplLabels,
  zplQrSize,
} from '../../src/printers/zpl-format.ts';
import { crop, decodeQr, pad, type GrayImage } from '../helpers/decode.ts';

const PUBLIC_URL = 'https://buildtrace.example.com';
const CODES = ['7K3M9Q2R4T', 'ABCDEFGHJK', 'X2Y3Z4W5V6', 'Q9P8N7M6L5', 'HJKLMNPQRS', '2345678ABC'];

function unit(i: number, overrides: Partial<LabelContent> = {}): LabelContent {
  const code = CODES[i % CODES.length]!;
  return {
    code,
    // Label 7 has the characters ZPL must escape in its URL (`_`, `~`; a `^` is not valid in one).
    url:
      i === 7
        ? labelUrl(`${PUBLIC_URL}/bt_x~y`, code)
        : labelUrl(PUBLIC_URL, code) + (i >= CODES.length ? `?n=${i}` : ''),
    title: i % 2 ? 'Power Supply Board Rev C' : 'Motor controller Grüße ^~_ with a long long name',
    serial: i + 1,
    buildCode: 'B7K3M9Q2R4',
    date: '2026-11-29',
    ...overrides,
  };
}

/** Dots per millimetre the renderer takes (whole numbers): 8 ≈ 203 dpi, 12 ≈ 300 dpi, 24 ≈ 600 dpi. */
const dpmm = (dpi: number) => Math.round(dpi / 25.4);

function toGray(base64: string): GrayImage {
  const png = PNG.sync.read(Buffer.from(base64, 'base64'));
  const data = new Uint8Array(png.width * png.height);
  for (let i = 0; i < data.length; i++) data[i] = png.data[i * 4 + 3] === 0 ? 255 : png.data[i * 4]!;
  return { width: png.width, height: png.height, data };
}

/**
 * Renders at whole dots per millimetre on a canvas exactly the label's dots (`^PW` × `^LL`): a
 * wider canvas (50.8 mm × 12 dots/mm for a 600-dot label) would centre the print width in it.
 */
async function render(zpl: string, template: TemplateName, dpi: number): Promise<GrayImage[]> {
  const { api } = await ready;
  const { label } = LABEL_TEMPLATES[template];
  const [width, height] = [mmToDots(label.width, dpi) / dpmm(dpi), mmToDots(label.height, dpi) / dpmm(dpi)];
  return (await api.zplToBase64MultipleAsync(zpl, width, height, dpmm(dpi))).map(toGray);
}

/** The template's code box in dots, cropped and padded so a decoder sees the one code. */
function codeImage(image: GrayImage, template: TemplateName, dpi: number): GrayImage {
  const { box } = LABEL_TEMPLATES[template].code;
  const px = (mm: number) => mmToDots(mm, dpi);
  return pad(crop(image, { x: px(box.x), y: px(box.y), width: px(box.width), height: px(box.height) }), 8);
}

function decodeDataMatrix(image: GrayImage): { text: string; raw: Uint8Array } | null {
  const source = new RGBLuminanceSource(new Uint8ClampedArray(image.data), image.width, image.height);
  const hints = new Map([[DecodeHintType.TRY_HARDER, true]]);
  try {
    const result = new DataMatrixReader().decode(new BinaryBitmap(new HybridBinarizer(source)), hints);
    return { text: result.getText(), raw: result.getRawBytes() };
  } catch {
    return null;
  }
}

/** Bounding box of the dark pixels. */
function inkBox(image: GrayImage): { x: number; y: number; width: number; height: number } {
  let [x0, y0, x1, y1] = [Infinity, Infinity, -1, -1];
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      if (image.data[y * image.width + x]! >= 128) continue;
      [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
    }
  }
  return { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

describe('ZPL labels render and scan (zpl-renderer-js, jsQR, ZXing)', () => {
  const cases: { template: TemplateName; dpi: number }[] = [
    { template: 'zebra-2x1in', dpi: 203 },
    { template: 'zebra-2x1in', dpi: 300 },
    { template: 'brother-62x29', dpi: 300 },
    { template: 'pcb-12x12', dpi: 600 },
  ];

  it.each(cases)('$template at $dpi dpi: every code decodes to its exact URL', async ({ template, dpi }) => {
    const labels = Array.from({ length: 8 }, (_, i) => unit(i));
    const zpl = zplLabels(LABEL_TEMPLATES[template], dpi, labels, { key: 'bt-1-1-1' });
    expect(zpl.match(/\^XA/g)).toHaveLength(8);
    expect(zpl.match(/\^XZ/g)).toHaveLength(8);
    expect(zpl.startsWith('^XA\n^FXbatch bt-1-1-1\n')).toBe(true);
    const images = await render(zpl, template, dpi);
    expect(images).toHaveLength(8);
    const qr = LABEL_TEMPLATES[template].code.symbology === 'qr';
    const decoded = images.map((image) => {
      const code = codeImage(image, template, dpi);
      return qr ? decodeQr(code) : (decodeDataMatrix(code)?.text ?? null);
    });
    // A DataMatrix carries `~` percent-encoded: the same URL.
    expect(decoded).toEqual(labels.map((l) => (qr ? l.url : dataMatrixUrl(l.url))));
    expect(labels[7]!.url).toContain('/bt_x~y/');
  });

  it('at 300 dpi the QR module is whole dots, equal to the PDF layout, and lands where the layout puts it', async () => {
    const template = LABEL_TEMPLATES['zebra-2x1in'];
    // A URL whose QR has the same version from the PDF's encoder and from a Zebra's automatic input.
    const content = unit(0, { url: 'https://bt.example.com/id/ABCDEFGHJK' });
    const size = zplQrSize(content.url);
    expect(size.width).toBe(qrMatrix(content.url).width);
    const placement = zplCodePlacement(template, 300, size, 'qr');
    const pdfModuleDots = new LabelLayout(template, 300).moduleSize(qrMatrix(content.url)) / (72 / 300);
    expect(Number.isInteger(placement.module)).toBe(true);
    expect(placement.module).toBeCloseTo(pdfModuleDots, 9);
    expect(placement.module).toBe(7);
    const zpl = zplLabel(template, 300, content);
    expect(zpl).toContain(`^FO${placement.x},${placement.y - QR_TOP_OFFSET}^BQN,2,7^FH_^FDMA,`);
    // The rendered symbol: its size is modules × magnification, its corner where the layout put it.
    const [image] = await render(zpl, 'zebra-2x1in', 300);
    const ink = inkBox(crop(image!, { x: 0, y: 0, width: mmToDots(23.5, 300), height: image!.height }));
    expect(ink).toEqual({ x: placement.x, y: placement.y, width: size.width * 7, height: size.height * 7 });
    expect(decodeQr(codeImage(image!, 'zebra-2x1in', 300))).toBe(content.url);
  });

  it('the QR is laid out for the symbol the printer draws (one byte segment), with LabelLayout’s snapping', async () => {
    const template = LABEL_TEMPLATES['zebra-2x1in'];
    const content = unit(0);
    const size = zplQrSize(content.url);
    // The PDF's encoder splits this URL into segments and gets a version smaller: 29 vs 33 modules.
    expect([qrMatrix(content.url).width, size.width]).toEqual([29, 33]);
    for (const dpi of [203, 300]) {
      const placement = zplCodePlacement(template, dpi, size, 'qr');
      expect(placement.module).toBe(Math.round(new LabelLayout(template, dpi).moduleSize(size) / (72 / dpi)));
      const [image] = await render(zplLabel(template, dpi, content), 'zebra-2x1in', dpi);
      const ink = inkBox(crop(image!, { x: 0, y: 0, width: mmToDots(23.5, dpi), height: image!.height }));
      expect(ink).toEqual({
        x: placement.x,
        y: placement.y,
        width: size.width * placement.module,
        height: size.width * placement.module,
      });
    }
  });

  it('GS1: a GS1 DataMatrix with FNC1 first and after (21), decoded by ZXing, and the template GS1 lines', async () => {
    const gs1 = '(01)09501101530003(11)261207(21)42(10)7K3M9Q2R4T';
    const zpl = zplLabel(LABEL_TEMPLATES['zebra-2x1in'], 203, unit(0, { gs1 }));
    expect(zpl).toContain('^BXN,6,200,0,0,6,#^FD#10109501101530003112612072142#1107K3M9Q2R4T^FS');
    // The human-readable interpretation: the template's GS1 lines, one AI a line, as on the PDF.
    for (const hri of ['(01)09501101530003', '(11)261207', '(21)42', '(10)7K3M9Q2R4T'])
      expect(zpl).toContain(`^FD${hri}^FS`);
    const [image] = await render(zpl, 'zebra-2x1in', 203);
    const decoded = decodeDataMatrix(codeImage(image!, 'zebra-2x1in', 203));
    // ZXing reports every FNC1 as GS (0x1D); the raw codewords tell FNC1 (232) from a GS character (30).
    expect(decoded?.text).toBe('\x1d0109501101530003112612072142\x1d107K3M9Q2R4T');
    // FNC1 first is codeword 232. The separator after (21) may be FNC1 or GS (GS1 DataMatrix accepts
    // both; Zebrash writes GS, codeword 30): one of them, exactly once.
    const raw = [...decoded!.raw];
    expect(raw[0]).toBe(232);
    expect(raw.slice(1).filter((c) => c === 232 || c === 30)).toHaveLength(1);
  });

  it('text: escaped with ^FH, UTF-8 under ^CI28, shrunk then cut with an ellipsis inside the text box', async () => {
    const template = LABEL_TEMPLATES['zebra-2x1in'];
    const zpl = zplLabel(template, 203, unit(0, { supplier: 'Grüße ^~_' }));
    expect(zpl).toContain('^CI28');
    expect(zpl).toContain('^FH_^FDGr_C3_BC_C3_9Fe _5E_7E_5F^FS');
    expect(zpl).toMatch(/\^FH_\^FDMotor controller Gr_C3_BC_C3_9Fe_E2_80_A6\^FS/);
    expect(zpl).toContain('^FDSN 0001^FS');
    // Nothing but the code and the text box is inked.
    const [image] = await render(zpl, 'zebra-2x1in', 203);
    const box = template.text.box;
    const text = inkBox(crop(image!, { x: mmToDots(box.x, 203), y: 0, width: 1000, height: 1000 }));
    expect(text.x + text.width).toBeLessThanOrEqual(mmToDots(box.x + box.width, 203) - mmToDots(box.x, 203));
    expect(text.y).toBeGreaterThanOrEqual(mmToDots(box.y, 203));
    expect(text.y + text.height).toBeLessThanOrEqual(mmToDots(box.y + box.height, 203));
  });
});
