/**
 * The patterns the OpenAPI document gives for grammars the server parses in code agree with the
 * parsers (#14 item 25): a value matches the pattern exactly when the parser takes its shape.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSerialRanges, SERIAL_LIST_PATTERN } from '../../src/domain/builds.ts';
import { ID_CODE_SHAPE_PATTERN, parseIdCode } from '../../src/domain/id-code.ts';
import { CURSOR_PATTERN, decodeCursor, encodeCursor } from '../../src/domain/page.ts';
import { compileSerialFormat, SERIAL_FORMAT_PATTERN } from '../../src/domain/serial-format.ts';

// JSON Schema patterns are ECMA-262 regular expressions, matched with the `u` flag by validators.
const matches = (pattern: string, value: string) => new RegExp(pattern, 'u').test(value);
const compiles = (source: string) => {
  try {
    compileSerialFormat(source);
    return true;
  } catch {
    return false;
  }
};
const pieces = (alphabet: string[], maxLength: number) =>
  fc.array(fc.constantFrom(...alphabet), { maxLength }).map((parts) => parts.join(''));

describe('patterns in the API document', () => {
  it('serial format: the pattern matches exactly the formats that compile', () => {
    const alphabet = ['{seq}', '{seq:05}', '{seq:123}', '{yy}', '{ww}', '{yyyy}', '{mm}', '{dd}', '{yy:2}'];
    alphabet.push('{foo}', '{', '}', 'A', 'z', '7', ' ', '-', '_', '.', '/', '#', '*', ':', 'é');
    fc.assert(
      fc.property(pieces(alphabet, 12), (source) => {
        fc.pre(source.length > 0 && source.length <= 64);
        expect(matches(SERIAL_FORMAT_PATTERN, source), source).toBe(compiles(source));
      }),
      { numRuns: 3000 },
    );
  });

  it('serial list: what the pattern matches, the parser takes (ascending ranges within the build)', () => {
    const alphabet = ['1', '2', '9', '0', '12', '-', ',', ' ', 'a', ';', '1-3', '4'];
    fc.assert(
      fc.property(pieces(alphabet, 10), (text) => {
        if (!matches(SERIAL_LIST_PATTERN, text)) return;
        const ascending = text.split(',').every((part) => {
          const [from, to] = part.split('-').map((s) => Number(s.trim()));
          return to === undefined || to >= from!;
        });
        if (ascending) expect(() => parseSerialRanges(text, 10_000_000), text).not.toThrow();
      }),
      { numRuns: 1000 },
    );
  });

  it('ID code: the pattern matches exactly the values of the right length and characters', () => {
    const alphabet = ['0', '9', 'A', 'z', 'O', 'i', 'L', 'U', 'u', '-', ' ', '_', 'é'];
    fc.assert(
      fc.property(pieces(alphabet, 14), (value) => {
        const parsed = parseIdCode(value);
        const shapeOk = parsed.ok || parsed.problem === 'check';
        expect(matches(ID_CODE_SHAPE_PATTERN, value), value).toBe(shapeOk);
      }),
      { numRuns: 3000 },
    );
  });

  it('cursor: every cursor issued matches, and every match decodes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 48 }), (id) => {
        const cursor = encodeCursor(id);
        expect(matches(CURSOR_PATTERN, cursor)).toBe(true);
        expect(decodeCursor(cursor)).toBe(id);
      }),
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 14 }), (cursor) => {
        if (matches(CURSOR_PATTERN, cursor)) expect(decodeCursor(cursor)).not.toBeNull();
        else expect(decodeCursor(cursor)).toBeNull();
      }),
    );
  });
});
