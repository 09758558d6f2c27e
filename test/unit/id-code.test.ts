import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ID_CODE_ALPHABET,
  ID_CODE_LENGTH,
  IdCodeGenerator,
  encodeIdCode,
  parseIdCode,
} from '../../src/domain/id-code.ts';

const generator = new IdCodeGenerator(randomBytes(32));

describe('ID codes', () => {
  it('are 10 characters of Crockford base32 and valid', () => {
    for (let i = 0; i < 1000; i++) {
      const code = generator.codeFor(i);
      expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{10}$/);
      expect(parseIdCode(code)).toEqual({ ok: true, code });
    }
  });

  it('rejects every single-character substitution and adjacent transposition of 10,000 sampled codes', () => {
    let checked = 0;
    for (let s = 0; s < 10_000; s++) {
      const code = generator.codeFor(Math.floor(Math.random() * 2 ** 40));
      for (let i = 0; i < ID_CODE_LENGTH; i++) {
        for (const c of ID_CODE_ALPHABET) {
          if (c === code[i]) continue;
          const typo = code.slice(0, i) + c + code.slice(i + 1);
          const parsed = parseIdCode(typo);
          if (parsed.ok) throw new Error(`substitution ${code} → ${typo} was accepted`);
          checked++;
        }
        if (i < ID_CODE_LENGTH - 1 && code[i] !== code[i + 1]) {
          const swapped = code.slice(0, i) + code[i + 1] + code[i] + code.slice(i + 2);
          const parsed = parseIdCode(swapped);
          if (parsed.ok) throw new Error(`transposition ${code} → ${swapped} was accepted`);
          expect(parsed.ok === false && parsed.problem).toBe('check');
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(10_000 * 310);
  });

  it('generates 1,000,000 unique codes from consecutive counters', () => {
    const seen = new Set<string>();
    for (let i = 1; i <= 1_000_000; i++) seen.add(generator.codeFor(i));
    expect(seen.size).toBe(1_000_000);
  });

  it('does not reveal the counter: consecutive counters give unrelated codes', () => {
    const a = generator.codeFor(1000);
    const b = generator.codeFor(1001);
    let same = 0;
    for (let i = 0; i < 9; i++) if (a[i] === b[i]) same++;
    expect(same).toBeLessThan(6);
    // Another installation's key gives other codes for the same counter.
    expect(new IdCodeGenerator(randomBytes(32)).codeFor(1000)).not.toBe(a);
  });

  it('is a bijection on a sampled subrange (permutation, not a hash)', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 200_000; i++) seen.add(generator.permute(2 ** 44 + i));
    expect(seen.size).toBe(200_000);
  });

  it('accepts lower case, hyphens, spaces and the usual O/0, I/L/1 confusions', () => {
    const code = encodeIdCode(0b10101_00001_00000_11111_01010_00000_00001_11000_00110);
    expect(parseIdCode(code.toLowerCase())).toEqual({ ok: true, code });
    expect(parseIdCode(`${code.slice(0, 5)}-${code.slice(5)}`)).toEqual({ ok: true, code });
    expect(parseIdCode(` ${code.slice(0, 5)} ${code.slice(5)} `)).toEqual({ ok: true, code });
    const confusable = code.replaceAll('0', 'O').replaceAll('1', 'l');
    expect(parseIdCode(confusable)).toEqual({ ok: true, code });
    expect(parseIdCode(code.replaceAll('1', 'I'))).toEqual({ ok: true, code });
  });

  it('explains what is wrong', () => {
    expect(parseIdCode('ABC')).toMatchObject({ ok: false, problem: 'length' });
    expect(parseIdCode('ABCDEFGHJU')).toMatchObject({ ok: false, problem: 'character' });
    expect(parseIdCode('ABCDÉFGHJK')).toMatchObject({ ok: false, problem: 'character' });
  });

  it('refuses counters outside the code space', () => {
    expect(() => generator.codeFor(-1)).toThrow(RangeError);
    expect(() => generator.codeFor(2 ** 45)).toThrow(RangeError);
    expect(() => new IdCodeGenerator(new Uint8Array(8))).toThrow(RangeError);
  });
});
