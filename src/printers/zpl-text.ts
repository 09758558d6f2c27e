/**
 * Fitting a line of text to a ZPL text box without the printer's font at hand: ZPL's scalable font
 * 0 (CG Triumvirate Bold Condensed) measured by a conservative estimate of each character's advance,
 * so a line that is estimated to fit does fit. Shrinks between the line's sizes like the PDF does,
 * then cuts and ends with '…'.
 */
import type { TextLineSpec } from '../domain/label-templates.ts';

export const ELLIPSIS = '…';
/** Sizes are tried in quarter points, as in the PDF. */
const SIZE_STEP = 0.25;

/**
 * Estimated advance of a character of font 0 at `^A0N,h,h`, in units of h: generous on purpose
 * (the font is condensed: real advances are 5–15% smaller).
 */
function advance(char: string): number {
  if (/[il.,:;'|!`]/.test(char)) return 0.3;
  if (char === ' ' || /[fjrtI()[\]{}/\\-]/.test(char)) return 0.38;
  if (/[MWmw@%]/.test(char)) return 0.85;
  if (/[A-Z]/.test(char)) return 0.62;
  if (/[0-9]/.test(char)) return 0.56;
  if (/[a-z]/.test(char)) return 0.54;
  return 0.66;
}

/** Estimated width of `text` in units of the font height. */
export function estimateWidth(text: string): number {
  let width = 0;
  for (const char of text) width += advance(char);
  return width;
}

/** A line as it will be printed: its text (cut with '…' when needed) and its height in dots. */
export interface ZplFittedText {
  text: string;
  /** `^A0N` height (and width) in dots. */
  height: number;
  cut: boolean;
}

/**
 * The largest size between `minSize` and `maxSize` (points, in quarter points) at which `text` is
 * estimated to fit `widthDots`, else `minSize` with the text cut at a character and ended with '…'.
 */
export function fitZplText(
  text: string,
  widthDots: number,
  sizes: Pick<TextLineSpec, 'minSize' | 'maxSize'>,
  dpi: number,
): ZplFittedText {
  const dots = (size: number) => Math.max(1, Math.round((size * dpi) / 72));
  const units = estimateWidth(text);
  for (let size = sizes.maxSize; size >= sizes.minSize - 1e-9; size -= SIZE_STEP) {
    if (units * dots(size) <= widthDots) return { text, height: dots(size), cut: false };
  }
  const height = dots(sizes.minSize);
  const chars = Array.from(text);
  const room = widthDots / height - advance(ELLIPSIS);
  let width = 0;
  let keep = 0;
  while (keep < chars.length && width + advance(chars[keep]!) <= room) width += advance(chars[keep++]!);
  return { text: chars.slice(0, keep).join('').trimEnd() + ELLIPSIS, height, cut: true };
}
