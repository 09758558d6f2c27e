/**
 * Label text: the embedded fonts and fitting one line into a fixed width.
 *
 * Text is set in embedded DejaVu subsets rather than a PDF standard font: viewers and printer drivers
 * substitute the standard fonts with wider ones, so a name measured to fit could overflow on paper.
 * With the font embedded, the width measured here is the width printed.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Font as FontkitFont } from '@pdf-lib/fontkit';
import type { PDFFont } from 'pdf-lib';
import type { LabelFont } from '../domain/label-templates.ts';

/** What fitting needs from a font: pdf-lib's `PDFFont` satisfies it. */
export interface TextMeasure {
  widthOfTextAtSize(text: string, size: number): number;
}

export interface FittedText {
  /** The text as drawn: the input, or a prefix of it ending in '…'. */
  text: string;
  size: number;
  /** Advance width at `size`, in points; never more than the width asked for. */
  width: number;
  /** True when the text was cut. */
  cut: boolean;
}

export const ELLIPSIS = '…';
/** Sizes are chosen in quarter points: finer steps change nothing visible and defeat caching. */
const SIZE_STEP = 0.25;

const FONT_FILES: Record<LabelFont, string> = {
  regular: 'DejaVuSansCondensed.ttf',
  bold: 'DejaVuSansCondensed-Bold.ttf',
  mono: 'DejaVuSansMono.ttf',
};
const fontCache = new Map<LabelFont, Uint8Array>();
const require = createRequire(import.meta.url);

/** The TrueType file of a label font, read once per process. */
export function fontBytes(font: LabelFont): Uint8Array {
  let bytes = fontCache.get(font);
  if (!bytes) {
    bytes = readFileSync(require.resolve(`dejavu-fonts-ttf/ttf/${FONT_FILES[font]}`));
    fontCache.set(font, bytes);
  }
  return bytes;
}

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/**
 * Replaces characters the font has no glyph for with '?', so a missing glyph shows as a visible
 * placeholder of known width instead of an invisible or zero-width box.
 */
export function replaceMissingGlyphs(text: string, codePoints: ReadonlySet<number>): string {
  let out = '';
  for (const char of text) out += codePoints.has(char.codePointAt(0)!) ? char : '?';
  return out;
}

/**
 * Fits one line of text into `maxWidth` points: the largest size between `minSize` and `maxSize`
 * (in quarter points) at which it fits, else `minSize` with the text cut at a grapheme boundary and
 * ended with '…'. Never wraps: a wrapped part name would run into the next line of the label.
 */
export function fitText(
  text: string,
  font: TextMeasure,
  maxWidth: number,
  sizes: { minSize: number; maxSize: number },
): FittedText {
  const { minSize, maxSize } = sizes;
  if (text === '') return { text, size: maxSize, width: 0, cut: false };
  // Widths scale linearly with size, so one measurement at size 1 gives every candidate size.
  const unitWidth = font.widthOfTextAtSize(text, 1);
  // A hair under the limit, so rounding in a later measurement cannot put the text one ulp over it.
  const limit = maxWidth - 1e-6;
  let size = Math.min(maxSize, Math.floor(limit / unitWidth / SIZE_STEP) * SIZE_STEP);
  while (size >= minSize && unitWidth * size > limit) size -= SIZE_STEP;
  if (size >= minSize) return { text, size, width: unitWidth * size, cut: false };

  size = minSize;
  const pieces = Array.from(graphemes.segment(text), (s) => s.segment);
  const candidate = (count: number) => pieces.slice(0, count).join('').trimEnd() + ELLIPSIS;
  const fits = (count: number) => font.widthOfTextAtSize(candidate(count), size) <= limit;
  // Widths grow with the prefix, so the longest prefix that fits is found by bisection.
  let low = 0;
  let high = pieces.length - 1;
  if (!fits(0)) return { text: '', size, width: 0, cut: true };
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (fits(middle)) low = middle;
    else high = middle - 1;
  }
  const cut = candidate(low);
  return { text: cut, size, width: font.widthOfTextAtSize(cut, size), cut: true };
}

/** What ID codes, serials and dates are made of: the characters that differ from label to label. */
const PLAIN_CHARACTERS = new Set('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ -_./#:·');

/**
 * An embedded font's measuring and encoding. Shaping a text through fontkit's layout costs more than
 * everything else a label's text needs, and every label brings a new ID code and serial; so texts
 * made only of plain characters are assembled from per-character glyphs once shaping has shown that
 * the font substitutes nothing (no ligature, no contextual form) for each adjacent pair in them.
 * Anything else — and everything, once a substitution is seen — goes through pdf-lib unchanged.
 */
export class FontEncoder implements TextMeasure {
  private readonly glyphs = new Map<string, { hex: string; width: number }>();
  /** Adjacent character pairs shaping has shown to be glyph-for-character. */
  private readonly pairs = new Set<string>();
  private shaped = false;
  private readonly codePoints: ReadonlySet<number>;

  constructor(readonly font: PDFFont) {
    this.codePoints = new Set(font.getCharacterSet());
  }

  /**
   * Fits user text (see {@link fitText}) after replacing what this font cannot print with '?':
   * characters it has no glyph for, and — should shaping fail — characters fontkit cannot shape (its
   * bundled Universal Shaping Engine needs a regenerator runtime it does not ship; in DejaVu that
   * hits Tifinagh).
   */
  fit(text: string, maxWidth: number, sizes: { minSize: number; maxSize: number }): FittedText {
    const printable = replaceMissingGlyphs(text, this.codePoints);
    try {
      return fitText(printable, this, maxWidth, sizes);
    } catch {
      return fitText(this.shapeable(printable), this, maxWidth, sizes);
    }
  }

  private shapeable(text: string): string {
    let out = '';
    for (const char of text) {
      try {
        this.font.widthOfTextAtSize(char + char, 1);
        out += char;
      } catch {
        out += '?';
      }
    }
    return out;
  }

  widthOfTextAtSize(text: string, size: number): number {
    const glyphs = this.plainGlyphs(text);
    if (!glyphs) return this.font.widthOfTextAtSize(text, size);
    let width = 0;
    for (const glyph of glyphs) width += glyph.width;
    return width * size;
  }

  /** The text as a hex string operand of glyph ids; adds its glyphs to the embedded subset. */
  encode(text: string): string {
    const glyphs = this.plainGlyphs(text);
    if (glyphs) return `<${glyphs.map((g) => g.hex).join('')}>`;
    const hex = this.font.encodeText(text).toString();
    this.learn(text, hex);
    return hex;
  }

  private plainGlyphs(text: string): { hex: string; width: number }[] | undefined {
    if (this.shaped) return undefined;
    const glyphs: { hex: string; width: number }[] = [];
    let previous = '';
    for (const char of text) {
      const glyph = this.glyphs.get(char);
      if (!glyph || (previous && !this.pairs.has(previous + char))) return undefined;
      glyphs.push(glyph);
      previous = char;
    }
    return glyphs;
  }

  private learn(text: string, hex: string): void {
    if (this.shaped) return;
    const chars = [...text];
    if (!chars.every((c) => PLAIN_CHARACTERS.has(c))) return;
    for (const char of chars) {
      if (!this.glyphs.has(char)) {
        const glyph = this.font.encodeText(char).toString().slice(1, -1);
        this.glyphs.set(char, { hex: glyph, width: this.font.widthOfTextAtSize(char, 1) });
      }
    }
    if (hex !== `<${chars.map((c) => this.glyphs.get(c)!.hex).join('')}>`) {
      this.shaped = true;
      return;
    }
    for (let i = 1; i < chars.length; i++) this.pairs.add(chars[i - 1]! + chars[i]!);
  }
}

/** How far a text's ink reaches above and below its baseline, per point of font size. */
export interface InkExtent {
  above: number;
  below: number;
}

/**
 * Measures the ink of a text: accented capitals, brackets and stacked marks reach above the font's
 * ascent (and descenders below its descent), so a line placed by the font's metrics alone can print
 * outside its box. Shaped with fontkit as pdf-lib shapes it, so marks sit where they are drawn; texts
 * of plain characters (ID codes, serials, dates) are measured from per-character glyph boxes.
 */
export class InkMeter {
  private readonly plain = new Map<string, InkExtent>();
  private readonly scale: number;

  constructor(private readonly font: FontkitFont) {
    this.scale = 1 / font.unitsPerEm;
  }

  extent(text: string): InkExtent {
    let above = 0;
    let below = 0;
    const chars = [...text];
    if (chars.every((c) => PLAIN_CHARACTERS.has(c))) {
      for (const char of chars) {
        let ink = this.plain.get(char);
        if (!ink) {
          ink = this.shaped(char);
          this.plain.set(char, ink);
        }
        above = Math.max(above, ink.above);
        below = Math.max(below, ink.below);
      }
      return { above, below };
    }
    return this.shaped(text);
  }

  private shaped(text: string): InkExtent {
    let above = 0;
    let below = 0;
    let run;
    try {
      run = this.font.layout(text);
    } catch {
      // Text fontkit cannot shape is printed as '?' (see FontEncoder.fit); measure per character.
      for (const char of text) {
        const ink = char === text ? { above: 0, below: 0 } : this.extent(char);
        above = Math.max(above, ink.above);
        below = Math.max(below, ink.below);
      }
      return { above, below };
    }
    run.glyphs.forEach((glyph, i) => {
      const box = glyph.bbox;
      if (!Number.isFinite(box.maxY) || box.maxY <= box.minY) return;
      const dy = run.positions[i]?.yOffset ?? 0;
      above = Math.max(above, (box.maxY + dy) * this.scale);
      below = Math.max(below, -(box.minY + dy) * this.scale);
    });
    return { above, below };
  }
}
