/**
 * Label text: the embedded fonts and fitting one line into a fixed width.
 *
 * Text is set in embedded DejaVu subsets rather than a PDF standard font: viewers and printer drivers
 * substitute the standard fonts with wider ones, so a name measured to fit could overflow on paper.
 * With the font embedded, the width measured here is the width printed.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { LabelFont } from './templates.ts';

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
  const unitWidth = font.widthOfTextAtSize(text, 1);
  let size = Math.min(maxSize, Math.floor(maxWidth / unitWidth / SIZE_STEP) * SIZE_STEP);
  if (size >= minSize) {
    let width = font.widthOfTextAtSize(text, size);
    // Rounding can put the product one ulp over the limit.
    while (width > maxWidth && size - SIZE_STEP >= minSize) {
      size -= SIZE_STEP;
      width = font.widthOfTextAtSize(text, size);
    }
    if (width <= maxWidth) return { text, size, width, cut: false };
  }

  size = minSize;
  const pieces = Array.from(graphemes.segment(text), (s) => s.segment);
  const candidate = (count: number) => pieces.slice(0, count).join('').trimEnd() + ELLIPSIS;
  const fits = (count: number) => font.widthOfTextAtSize(candidate(count), size) <= maxWidth;
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
