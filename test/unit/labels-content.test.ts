import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cleanLabelText,
  labelFieldText,
  labelRunWarnings,
  labelUrl,
  publicUrlWarning,
  serialText,
  validateLabelContent,
  type LabelContent,
} from '../../src/domain/labels.ts';
import { LabelLayout } from '../../src/labels/layout.ts';
import { encodeSymbol, matrixPath, type ModuleMatrix } from '../../src/labels/symbols.ts';
import {
  LABEL_TEMPLATES,
  PT_PER_MM,
  TEMPLATE_NAMES,
  getTemplate,
  labelsPerPage,
  type Box,
} from '../../src/domain/label-templates.ts';

describe('label content', () => {
  it('prints serials padded to four digits, growing beyond', () => {
    expect(serialText(42)).toBe('SN 0042');
    expect(serialText(0)).toBe('SN 0000');
    expect(serialText(9999)).toBe('SN 9999');
    expect(serialText(123456)).toBe('SN 123456');
  });

  it.each([-1, 1.5, Number.NaN, 2 ** 60])('refuses serial %s', (serial) => {
    expect(() => serialText(serial)).toThrow(RangeError);
  });

  it('derives the text of each field', () => {
    const content: LabelContent = {
      code: '7K3M9Q2R4T',
      url: 'https://bt.example/id/7K3M9Q2R4T',
      title: '  Power\tSupply\nBoard ',
      serial: 42,
      buildCode: 'B00000000X',
      date: '2026-11-29',
    };
    expect(labelFieldText(content, 'title')).toBe('Power Supply Board');
    expect(labelFieldText(content, 'serial')).toBe('SN 0042');
    expect(labelFieldText({ ...content, serialLabel: 'PX-2648-00042' }, 'serial')).toBe('PX-2648-00042');
    expect(labelFieldText(content, 'code')).toBe('7K3M9Q2R4T');
    expect(labelFieldText(content, 'build')).toBe('B B00000000X · 2026-11-29');
    expect(labelFieldText({ code: 'X', url: 'u', title: 't' }, 'serial')).toBe('');
    expect(labelFieldText({ code: 'X', url: 'u', title: 't' }, 'build')).toBe('');
    expect(labelFieldText({ code: 'X', url: 'u', title: 't', date: '2026-01-02' }, 'build')).toBe(
      '2026-01-02',
    );
  });

  it("derives a lot's quantity, date code and supplier lines", () => {
    const lot: LabelContent = { code: '7K3M9Q2R4T', url: 'u', title: 'MLCC 100n', quantity: 2500 };
    expect(labelFieldText(lot, 'lot')).toBe('Qty 2500');
    expect(labelFieldText({ ...lot, dateCode: ' 24\t19 ' }, 'lot')).toBe('Qty 2500 · DC 24 19');
    expect(labelFieldText({ ...lot, quantity: undefined, dateCode: '2419' }, 'lot')).toBe('DC 2419');
    expect(labelFieldText({ ...lot, supplier: 'Würth\nElektronik' }, 'supplier')).toBe('Würth Elektronik');
    expect(labelFieldText(lot, 'supplier')).toBe('');
    expect(() =>
      validateLabelContent({ ...lot, quantity: -1, supplier: 3 } as unknown as LabelContent, 'items.2'),
    ).toThrow(
      expect.objectContaining({
        problems: [
          { field: 'items.2.supplier', message: 'must be a string' },
          { field: 'items.2.quantity', message: 'must be a non-negative integer' },
        ],
      }),
    );
  });

  it.each([
    'http://localhost:3000',
    'http://LOCALHOST',
    'http://app.localhost:8080/bt',
    'http://127.0.0.1:3000',
    'http://127.1.2.3',
    'http://[::1]:3000',
    'http://0.0.0.0:3000',
    'http://[::ffff:127.0.0.1]',
  ])('warns that codes pointing at %s reach nothing from a scanner', (url) => {
    expect(publicUrlWarning(url)).toMatch(/loopback address .* Set PUBLIC_URL/);
    expect(labelRunWarnings({ publicUrl: url })).toHaveLength(1);
  });

  it.each([
    'https://buildtrace.example.com',
    'http://192.168.1.10:3000',
    'http://buildtrace.local',
    'http://localhost.example.com',
  ])('does not warn about %s', (url) => {
    expect(publicUrlWarning(url)).toBeNull();
    expect(labelRunWarnings({ publicUrl: url })).toEqual([]);
  });

  it('builds the URL a code points to', () => {
    expect(labelUrl('https://bt.example.com', 'ABC')).toBe('https://bt.example.com/id/ABC');
    expect(labelUrl('https://bt.example.com/base/', 'ABC')).toBe('https://bt.example.com/base/id/ABC');
  });

  it('validates content from outside the type system, naming each field', () => {
    const good: LabelContent = { code: '7K3M9Q2R4T', url: 'https://bt.example/id/7K3M9Q2R4T', title: '' };
    expect(() => validateLabelContent(good, 'items.0')).not.toThrow();
    const bad = {
      code: '',
      url: 7,
      title: null,
      serial: 1.5,
      date: '29.11.2026',
      buildCode: 3,
    } as unknown as LabelContent;
    expect(() => validateLabelContent(bad, 'items.4')).toThrow(
      expect.objectContaining({
        problems: [
          { field: 'items.4.code', message: 'must be a non-empty string' },
          { field: 'items.4.url', message: 'must be a non-empty string' },
          { field: 'items.4.title', message: 'must be a string' },
          { field: 'items.4.buildCode', message: 'must be a string' },
          { field: 'items.4.date', message: 'must be a date as YYYY-MM-DD' },
          { field: 'items.4.serial', message: 'must be a non-negative integer' },
        ],
      }),
    );
    expect(() => validateLabelContent(null as unknown as LabelContent, 'items.9')).toThrow(
      'items.9: must be an object',
    );
  });

  it('turns control characters into single spaces', () => {
    expect(cleanLabelText('a\u0000b\u0085c\u2028d  e')).toBe('a b c d e');
  });
});

const within = (inner: Box, outer: { width: number; height: number }) =>
  inner.x >= 0 &&
  inner.y >= 0 &&
  inner.x + inner.width <= outer.width + 1e-9 &&
  inner.y + inner.height <= outer.height + 1e-9;
const overlap = (a: Box, b: Box) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

describe('label templates', () => {
  it.each(TEMPLATE_NAMES)('%s: labels fit the page, boxes fit the label and do not overlap', (name) => {
    const t = LABEL_TEMPLATES[name];
    const { grid, label, page } = t;
    expect(grid.left + grid.columns * label.width + (grid.columns - 1) * grid.columnGap).toBeLessThanOrEqual(
      page.width + 1e-9,
    );
    expect(grid.top + grid.rows * label.height + (grid.rows - 1) * grid.rowGap).toBeLessThanOrEqual(
      page.height + 1e-9,
    );
    expect(within(t.code.box, label)).toBe(true);
    if (t.text) {
      expect(within(t.text.box, label)).toBe(true);
      expect(overlap(t.code.box, t.text.box)).toBe(false);
      for (const line of t.text.lines) expect(line.minSize).toBeLessThanOrEqual(line.maxSize);
    }
  });

  it('has the sizes the stock is sold in', () => {
    expect(labelsPerPage(getTemplate('a4-3x8'))).toBe(24);
    expect(getTemplate('a4-3x8').label).toEqual({ width: 70, height: 37 });
    expect(getTemplate('brother-62x29').page).toEqual({ width: 62, height: 29 });
    expect(getTemplate('zebra-2x1in').page).toEqual({ width: 50.8, height: 25.4 });
    expect(getTemplate('pcb-12x12').code.symbology).toBe('datamatrix');
    expect(getTemplate('pcb-12x12').text).toBeNull();
    expect(() => getTemplate('letter-5x2')).toThrow(/use one of brother-62x29/);
  });

  // Public URLs from short to long: the code version grows, the module size must stay whole dots.
  const urls = [
    'https://bt.io/id/7K3M9Q2R4T',
    'https://buildtrace.example.com/id/7K3M9Q2R4T',
    'https://buildtrace.production.acme-electronics.example.com/id/7K3M9Q2R4T',
  ];
  // Every resolution each template declares it is laid out for.
  const cases = TEMPLATE_NAMES.flatMap((name) =>
    LABEL_TEMPLATES[name].dpis.map((dpi: number) => [name, dpi] as const),
  );

  it('declares its resolutions, the default first: zebra-2x1in for 203 and 300 dpi heads', () => {
    expect(cases).toContainEqual(['zebra-2x1in', 203]);
    expect(cases).toContainEqual(['zebra-2x1in', 300]);
    expect(LABEL_TEMPLATES['zebra-2x1in'].dpis[0]).toBe(203);
    expect(cases).toHaveLength(5);
  });

  it.each(cases)(
    '%s at %i dpi: modules are whole printer dots and the symbol keeps its quiet zone',
    (name, dpi) => {
      const template = LABEL_TEMPLATES[name];
      const layout = new LabelLayout(template, dpi);
      for (const url of urls) {
        const matrix = encodeSymbol(template.code.symbology, url);
        const module = layout.moduleSize(matrix);
        const dots = (module * dpi) / 72;
        expect(Math.abs(dots - Math.round(dots))).toBeLessThan(1e-9);
        expect(dots).toBeGreaterThanOrEqual(1);
        // Symbol plus quiet zone fits the code box.
        const box = template.code.box;
        expect((matrix.width + 2 * template.code.quietZone) * module).toBeLessThanOrEqual(
          box.width * PT_PER_MM + 1e-9,
        );
        // A usable module on paper: ≥ 0.25 mm for every template.
        expect(module / PT_PER_MM).toBeGreaterThanOrEqual(0.25);
      }
    },
  );

  it.each(cases)(
    '%s at %i dpi: every symbol of a page starts on a printer dot, counted from the top-left',
    (name, dpi) => {
      const layout = new LabelLayout(LABEL_TEMPLATES[name], dpi);
      const matrix = encodeSymbol(LABEL_TEMPLATES[name].code.symbology, urls[1]!);
      const dots = (points: number) => (points * dpi) / 72;
      for (let cell = 0; cell < layout.perPage; cell++) {
        const [m, , , minusM, x, y] = /^q (\S+) (\S+) (\S+) (\S+) (\S+) (\S+) cm\n/
          .exec(layout.symbolOperators(matrix, cell, 0))!
          .slice(1)
          .map(Number) as number[];
        expect(minusM).toBe(-m!);
        for (const value of [dots(m!), dots(x!), dots(layout.pageHeight - y!)]) {
          expect(Math.abs(value - Math.round(value))).toBeLessThan(1e-4);
        }
      }
    },
  );

  it('refuses a URL whose code would need modules smaller than a scanner reads', () => {
    const layout = new LabelLayout(LABEL_TEMPLATES['pcb-12x12'], 600);
    const matrix = encodeSymbol('datamatrix', `https://bt.example.com/id/${'X'.repeat(200)}`);
    expect(() => layout.symbolOperators(matrix, 0, 7)).toThrow(
      /^items\.7\.url: too long for this template's datamatrix code/,
    );
  });
});

/** Rebuilds the matrix a path draws, failing on overlapping rectangles. */
function paint(path: string, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height);
  for (const line of path.split('\n')) {
    if (line === '') continue;
    const [x, y, w, h, op] = line.split(' ');
    expect(op).toBe('re');
    for (let row = Number(y); row < Number(y) + Number(h); row++) {
      for (let col = Number(x); col < Number(x) + Number(w); col++) {
        expect(out[row * width + col]).toBe(0);
        out[row * width + col] = 1;
      }
    }
  }
  return out;
}

describe('module paths', () => {
  it('draw exactly the dark modules, once each', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 12 }),
        fc.uint8Array({ minLength: 144, maxLength: 144 }),
        (width, height, bytes) => {
          const matrix: ModuleMatrix = {
            width,
            height,
            modules: bytes.slice(0, width * height).map((b) => b & 1),
          };
          const path = matrixPath(matrix);
          expect(paint(path, width, height)).toEqual(matrix.modules);
        },
      ),
    );
  });

  it('merge runs: a QR code needs far fewer rectangles than dark modules', () => {
    const matrix = encodeSymbol('qr', 'https://buildtrace.example.com/id/7K3M9Q2R4T');
    const dark = matrix.modules.reduce((a, b) => a + b, 0);
    const rects = matrixPath(matrix).trim().split('\n').length;
    expect(paint(matrixPath(matrix), matrix.width, matrix.height)).toEqual(matrix.modules);
    expect(rects).toBeLessThan(dark / 2);
  });
});
