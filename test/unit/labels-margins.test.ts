/**
 * Printable areas, measured on the raster: labels rendered with text that reaches above capitals
 * and below the baseline (accented capitals, brackets, stacked marks) are rasterized at 600 dpi with
 * pdftoppm and the first and last inked rows and columns are measured against the margins the
 * printer cannot print (docs/labels.md, "Printable areas") and against the template's own boxes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelUrl, type LabelContent } from '../../src/domain/labels.ts';
import { renderLabels } from '../../src/labels/render.ts';
import { LABEL_TEMPLATES, type Box, type TemplateName } from '../../src/domain/label-templates.ts';
import { darkPixelsOutside, rasterize, type GrayImage, type PixelBox } from '../helpers/decode.ts';

const DPI = 600;
const mm = (px: number, dpi = DPI) => (px * 25.4) / dpi;
const px = (mm: number, dpi = DPI) => (mm * dpi) / 25.4;
/** A printer dot is printed when the pixel is at least half covered. */
const INKED = 128;

/** Texts that reach further above or below a line than plain capitals do. */
const TALL: Partial<LabelContent>[] = [
  { title: 'ÅÉÖ Überspannungsschutz' },
  { title: '|[Ǻ]{} (Rev Ç)', serialLabel: 'ÅB-Ŷ-0042' },
  { title: 'Ǻ̈̈ Zalgo ģ̨̆', serialLabel: 'Ǻ̈̈̈-ÿ̧̨̧' },
  { title: 'Gyp jq', serialLabel: 'ʮ pqgy ǯ' },
  // A lot: quantity and date code, supplier; then every line a label can have at once.
  { serial: undefined, quantity: 2500, dateCode: 'Ǻ19', supplier: 'Ǻ Würth Elektronik ģ' },
  { title: 'ÅÉÖ', serialLabel: 'Ǻ-0042', quantity: 1, dateCode: 'ÅÉ', supplier: 'Ǻ Würth ģ' },
];

function label(i: number, overrides: Partial<LabelContent>): LabelContent {
  const code = `7K3M9Q2R${String(i).padStart(2, '0')}`;
  return {
    code,
    url: labelUrl('https://buildtrace.example.com', code),
    title: 'Power Supply Board Rev C',
    serial: i + 1,
    buildCode: '7K3M9Q2RZZ',
    date: '2026-11-29',
    ...overrides,
  };
}

/** First and last inked row and column (pixels), or null for a blank image. */
function inkExtent(image: GrayImage): { top: number; bottom: number; left: number; right: number } | null {
  let top = -1;
  let bottom = -1;
  let left = image.width;
  let right = -1;
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      if (image.data[y * image.width + x]! >= INKED) continue;
      if (top < 0) top = y;
      bottom = y;
      left = Math.min(left, x);
      right = Math.max(right, x);
    }
  }
  return top < 0 ? null : { top, bottom, left, right };
}

const boxPx = (box: Box, dpi: number, left = 0, top = 0): PixelBox => ({
  x: px(left + box.x, dpi),
  y: px(top + box.y, dpi),
  width: px(box.width, dpi),
  height: px(box.height, dpi),
});

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bt-margins-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function render(name: TemplateName, items: LabelContent[], dpi = DPI): Promise<GrayImage[]> {
  const pdf = join(dir, `${name}.pdf`);
  const { pages } = await renderLabels(items, { template: name, out: pdf });
  return rasterize(pdf, { dpi, first: 1, last: pages });
}

describe('printable areas, measured at 600 dpi', () => {
  it('brother-62x29: no ink within 3 mm of the top and bottom or 1.5 mm of the sides', async () => {
    const pages = await render(
      'brother-62x29',
      TALL.map((t, i) => label(i, t)),
    );
    expect(pages).toHaveLength(TALL.length);
    for (const [i, page] of pages.entries()) {
      const ink = inkExtent(page)!;
      const where = `label ${i} (${TALL[i]!.title})`;
      // Edges of the first and last inked pixel rows/columns, in mm from the label's top-left.
      expect(mm(ink.top), `${where}: first inked row`).toBeGreaterThanOrEqual(3);
      expect(mm(ink.bottom + 1), `${where}: last inked row`).toBeLessThanOrEqual(29 - 3);
      expect(mm(ink.left), `${where}: first inked column`).toBeGreaterThanOrEqual(1.5);
      expect(mm(ink.right + 1), `${where}: last inked column`).toBeLessThanOrEqual(62 - 1.5);
    }
  });

  it('a4-3x8: no ink within 5 mm of the sheet edge', async () => {
    const items = Array.from({ length: 24 }, (_, i) => label(i, TALL[i % TALL.length]!));
    const [page] = await render('a4-3x8', items);
    const ink = inkExtent(page!)!;
    expect(mm(ink.top)).toBeGreaterThanOrEqual(5);
    expect(mm(ink.bottom + 1)).toBeLessThanOrEqual(297 - 5);
    expect(mm(ink.left)).toBeGreaterThanOrEqual(5);
    expect(mm(ink.right + 1)).toBeLessThanOrEqual(210 - 5);
  });

  it.each(['brother-62x29', 'zebra-2x1in', 'a4-3x8'] as const)(
    '%s: text that reaches above capitals or below the baseline stays in the text box',
    async (name) => {
      const { code, text, grid, label: size, dpis } = LABEL_TEMPLATES[name];
      // On the printer's own dot grid (203 dpi: 609), where a dot is in a box or not; 1 px of
      // tolerance, as poppler rounds a clipping rectangle's edges outwards.
      const dpi = dpis[0] * Math.ceil(DPI / dpis[0]);
      const perPage = grid.columns * grid.rows;
      // Every text on a roll label (a page each), or spread over one sheet.
      const count = Math.max(perPage, TALL.length);
      const pages = await render(
        name,
        Array.from({ length: count }, (_, i) => label(i, TALL[i % TALL.length]!)),
        dpi,
      );
      const allowed: PixelBox[] = [];
      for (let cell = 0; cell < perPage; cell++) {
        const left = grid.left + (cell % grid.columns) * (size.width + grid.columnGap);
        const top = grid.top + Math.floor(cell / grid.columns) * (size.height + grid.rowGap);
        for (const box of [code.box, text!.box]) {
          const b = boxPx(box, dpi, left, top);
          allowed.push({ x: b.x - 1, y: b.y - 1, width: b.width + 2, height: b.height + 2 });
        }
      }
      for (const [i, page] of pages.entries())
        expect(darkPixelsOutside(page, allowed, INKED), `page ${i + 1}`).toBe(0);
    },
  );
});
