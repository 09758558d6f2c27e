import fontkit from '@pdf-lib/fontkit';
import fc from 'fast-check';
import { PDFDocument, type PDFFont } from 'pdf-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  LABEL_TEMPLATES,
  PT_PER_MM,
  TEMPLATE_NAMES,
  type LabelFont,
} from '../../src/domain/label-templates.ts';
import { ELLIPSIS, FontEncoder, fitText, fontBytes, replaceMissingGlyphs } from '../../src/labels/text.ts';

const fonts = {} as Record<LabelFont, PDFFont>;
beforeAll(async () => {
  const doc = await PDFDocument.create();
  doc.registerFontkit(fontkit);
  for (const name of ['regular', 'bold', 'mono'] as const)
    fonts[name] = await doc.embedFont(fontBytes(name), { subset: true });
});

// The Brother 62 × 29 mm title line.
const maxWidth = 31.5 * PT_PER_MM;
const sizes = { minSize: 6.5, maxSize: 11 };

describe('fitting a line of text', () => {
  it('keeps a short text at the largest size', () => {
    const fit = fitText('PSU', fonts.bold, maxWidth, sizes);
    expect(fit).toMatchObject({ text: 'PSU', size: 11, cut: false });
  });

  it('shrinks a longer text to the largest quarter-point size that fits', () => {
    const text = 'Power Supply Board Rev C';
    const fit = fitText(text, fonts.bold, maxWidth, sizes);
    expect(fit.cut).toBe(false);
    expect(fit.text).toBe(text);
    expect(fit.size).toBeLessThan(11);
    expect(fit.size).toBeGreaterThanOrEqual(6.5);
    expect(fonts.bold.widthOfTextAtSize(text, fit.size)).toBeLessThanOrEqual(maxWidth);
    expect(fonts.bold.widthOfTextAtSize(text, fit.size + 0.25)).toBeGreaterThan(maxWidth);
  });

  it('cuts a 300-character part name with an ellipsis, inside the width', () => {
    const name = 'Isolated DC-DC converter module with overcurrent protection '.repeat(5);
    expect(name).toHaveLength(300);
    const fit = fitText(name, fonts.bold, maxWidth, sizes);
    expect(fit.cut).toBe(true);
    expect(fit.size).toBe(6.5);
    expect(fit.text.endsWith(ELLIPSIS)).toBe(true);
    expect(name.startsWith(fit.text.slice(0, -1))).toBe(true);
    expect(fonts.bold.widthOfTextAtSize(fit.text, fit.size)).toBeLessThanOrEqual(maxWidth);
    expect(fit.width).toBeCloseTo(fonts.bold.widthOfTextAtSize(fit.text, fit.size), 9);
    // As long as it can be: one more character would not fit.
    const longer = name.slice(0, fit.text.length) + ELLIPSIS;
    expect(fonts.bold.widthOfTextAtSize(longer, fit.size)).toBeGreaterThan(maxWidth);
  });

  it('fits non-Latin text with the embedded glyphs', () => {
    const text = 'Überspannungsschutz Ω µF';
    expect(replaceMissingGlyphs(text, new Set(fonts.bold.getCharacterSet()))).toBe(text);
    const fit = fitText(text, fonts.bold, maxWidth, sizes);
    expect(fonts.bold.widthOfTextAtSize(fit.text, fit.size)).toBeLessThanOrEqual(maxWidth);
    const long = fitText(`${text} `.repeat(6), fonts.bold, maxWidth, sizes);
    expect(long.cut).toBe(true);
    expect(long.text).toMatch(/^Überspannungsschutz Ω.*…$/);
    expect(fonts.bold.widthOfTextAtSize(long.text, long.size)).toBeLessThanOrEqual(maxWidth);
  });

  it('replaces characters the font lacks with "?"', () => {
    expect(replaceMissingGlyphs('电源 PSU', new Set(fonts.regular.getCharacterSet()))).toBe('?? PSU');
  });

  it('never cuts inside a grapheme', () => {
    const text = 'e\u0301'.repeat(200);
    const fit = fitText(text, fonts.regular, maxWidth, sizes);
    expect(fit.cut).toBe(true);
    expect(fit.text.slice(0, -1)).toMatch(/^(e\u0301)+$/);
  });

  it('never exceeds the width, whatever the text', () => {
    const encoder = new FontEncoder(fonts.regular);
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 120 }),
        fc.double({ min: 20, max: 200, noNaN: true }),
        (text, width) => {
          const fit = encoder.fit(text, width, { minSize: 5, maxSize: 12 });
          expect(fonts.regular.widthOfTextAtSize(fit.text, fit.size)).toBeLessThanOrEqual(width);
          expect(fit.size).toBeGreaterThanOrEqual(5);
          expect(fit.size).toBeLessThanOrEqual(12);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('prints text fontkit cannot shape as "?" instead of failing', () => {
    // Tifinagh: DejaVu has the glyphs, fontkit's Universal Shaping Engine throws on them.
    const text = 'ⴰⴱⴳ PSU';
    expect(() => fonts.regular.widthOfTextAtSize(text, 1)).toThrow();
    const fit = new FontEncoder(fonts.regular).fit(text, maxWidth, sizes);
    expect(fit.text).toBe('??? PSU');
  });
});

describe('font encoder', () => {
  it('measures and encodes exactly as pdf-lib does, before and after learning plain characters', () => {
    for (const name of ['regular', 'bold', 'mono'] as const) {
      const encoder = new FontEncoder(fonts[name]);
      const texts = [
        '7K3M9Q2R4T',
        'SN 0042',
        'B 7K3M9Q2R4T · 2026-11-29',
        'Überspannungsschutz Ω µF',
        '7K3M9Q2R4T',
        'SN 0042',
        'fi fl ffi',
      ];
      for (const text of [...texts, ...texts]) {
        expect(encoder.encode(text)).toBe(fonts[name].encodeText(text).toString());
        expect(encoder.widthOfTextAtSize(text, 9)).toBeCloseTo(fonts[name].widthOfTextAtSize(text, 9), 9);
      }
    }
  });
});

describe('template text boxes', () => {
  it.each(TEMPLATE_NAMES.filter((n) => LABEL_TEMPLATES[n].text))(
    '%s: every line fits the box height at its largest size',
    (name) => {
      const text = LABEL_TEMPLATES[name].text!;
      const height = text.lines.reduce((sum, line) => sum + fonts[line.font].heightAtSize(line.maxSize), 0);
      expect(height).toBeLessThanOrEqual(text.box.height * PT_PER_MM);
    },
  );
});
