/**
 * Serial lists (src/domain/serial-ranges.ts): serials written as the fewest ranges and read back.
 * The parser's refusals are in builds-domain.test.ts; here the algebra — toRanges partitions a set
 * into maximal runs, and writing then reading is the identity on sets of serials.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  SERIAL_LIST_PATTERN,
  formatSerialRanges,
  parseSerialRanges,
  rangesText,
  toRanges,
  type SerialRange,
} from '../../src/domain/serial-ranges.ts';
import * as builds from '../../src/domain/builds.ts';

const MAX = 2_000;
/** Any non-empty list of serials within 1..MAX, in any order, duplicates allowed. */
const serials = fc.array(fc.integer({ min: 1, max: MAX }), { minLength: 1, maxLength: 200 });
const sortedSet = (values: readonly number[]) => [...new Set(values)].sort((a, b) => a - b);
const expand = (ranges: readonly SerialRange[]) =>
  ranges.flatMap((r) => Array.from({ length: r.last - r.first + 1 }, (_, i) => r.first + i));

describe('toRanges', () => {
  it('writes runs of consecutive serials as one range each', () => {
    expect(toRanges([7, 1, 3, 2, 2, 9, 10])).toEqual([
      { first: 1, last: 3 },
      { first: 7, last: 7 },
      { first: 9, last: 10 },
    ]);
    expect(toRanges([])).toEqual([]);
  });

  it('covers exactly the serials given, with ordered, disjoint ranges no two of which could merge', () => {
    fc.assert(
      fc.property(serials, (list) => {
        const ranges = toRanges(list);
        expect(expand(ranges)).toEqual(sortedSet(list));
        for (const r of ranges) expect(r.first).toBeLessThanOrEqual(r.last);
        // Maximal: a gap of at least one serial between neighbours, so no fewer ranges would do.
        for (const [a, b] of ranges.slice(1).map((r, i) => [ranges[i]!, r] as const))
          expect(b.first).toBeGreaterThan(a.last + 1);
      }),
    );
  });

  it('ignores order and repetition', () => {
    fc.assert(
      fc.property(serials, (list) => {
        expect(toRanges([...list].reverse().concat(list))).toEqual(toRanges(list));
      }),
    );
  });
});

describe('formatSerialRanges and parseSerialRanges', () => {
  it('write 1-5,9,12-14', () => {
    expect(formatSerialRanges([14, 1, 2, 3, 4, 5, 9, 12, 13])).toBe('1-5,9,12-14');
    expect(rangesText(toRanges([1, 2, 3, 7]), '–')).toBe('1–3,7');
  });

  it('round-trip: reading what was written gives back the set of serials', () => {
    fc.assert(
      fc.property(serials, (list) => {
        expect(parseSerialRanges(formatSerialRanges(list), MAX)).toEqual(sortedSet(list));
      }),
    );
  });

  it('round-trip: writing what was read gives back the canonical text, a fixed point', () => {
    fc.assert(
      fc.property(serials, (list) => {
        const canonical = formatSerialRanges(list);
        // Any way of writing the same set (here: one serial at a time, reversed) reads to the same text.
        const written = sortedSet(list).reverse().join(' , ');
        expect(formatSerialRanges(parseSerialRanges(written, MAX))).toBe(canonical);
        expect(formatSerialRanges(parseSerialRanges(canonical, MAX))).toBe(canonical);
      }),
    );
  });

  it('writes only what the documented serial-list pattern accepts', () => {
    const pattern = new RegExp(SERIAL_LIST_PATTERN);
    fc.assert(
      fc.property(serials, (list) => {
        expect(formatSerialRanges(list)).toMatch(pattern);
      }),
    );
  });

  it('stay importable from src/domain/builds.ts', () => {
    expect(builds.parseSerialRanges).toBe(parseSerialRanges);
    expect(builds.formatSerialRanges).toBe(formatSerialRanges);
    expect(builds.toRanges).toBe(toRanges);
    expect(builds.rangesText).toBe(rangesText);
    expect(builds.SERIAL_LIST_PATTERN).toBe(SERIAL_LIST_PATTERN);
  });
});
