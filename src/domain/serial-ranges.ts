/**
 * Serial lists: the grammar people write serials in (`1-20,25`), parsed into sorted unique serials,
 * and serials written back as the fewest inclusive ranges. Pure.
 */
import { ValidationError } from './errors.ts';

/**
 * The grammar of a serial list: serials and ranges separated by commas, e.g. `1-20,25` (spaces
 * allowed around the marks). Ranges must run upwards and stay within the build, which the pattern
 * cannot say.
 */
export const SERIAL_LIST_PATTERN =
  '^\\s*[1-9]\\d{0,6}(\\s*-\\s*[1-9]\\d{0,6})?(\\s*,\\s*[1-9]\\d{0,6}(\\s*-\\s*[1-9]\\d{0,6})?)*\\s*$';
/** Writes serials the way {@link parseSerialRanges} reads them: `1-5,9,12-14`. */
export function formatSerialRanges(serials: readonly number[]): string {
  return rangesText(toRanges(serials));
}

/** Parses `1-50`, `3`, `1-5,9,12-14` into sorted unique serials within 1..max. */
export function parseSerialRanges(text: string, max: number, field = 'serials'): number[] {
  const out = new Set<number>();
  for (const part of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^(\d{1,7})(?:\s*-\s*(\d{1,7}))?$/.exec(part);
    if (!m) throw ValidationError.field(field, `'${part}' is not a serial or a range like 1-50`);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (from < 1 || to < from || to > max)
      throw ValidationError.field(field, `'${part}' is outside 1..${max}`);
    for (let s = from; s <= to; s++) out.add(s);
  }
  if (out.size === 0) throw ValidationError.field(field, 'names no serial');
  return [...out].sort((a, b) => a - b);
}

/** An inclusive run of serials. */
export interface SerialRange {
  first: number;
  last: number;
}

/** Sorted, unique serials as the fewest inclusive ranges: [1,2,3,7] → 1-3, 7-7. */
export function toRanges(serials: readonly number[]): SerialRange[] {
  const ranges: SerialRange[] = [];
  for (const s of [...new Set(serials)].sort((a, b) => a - b)) {
    const last = ranges[ranges.length - 1];
    if (last && s === last.last + 1) last.last = s;
    else ranges.push({ first: s, last: s });
  }
  return ranges;
}

/** Ranges as the serial grammar writes them: `1-3,7`. */
export function rangesText(ranges: readonly SerialRange[], dash = '-'): string {
  return ranges.map((r) => (r.first === r.last ? `${r.first}` : `${r.first}${dash}${r.last}`)).join(',');
}
