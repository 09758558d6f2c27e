import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ID_CODE_ALPHABET, IdCodeGenerator, parseIdCode } from '../../src/domain/id-code.ts';
import { looksLikeIdCode, typoCandidates } from '../../src/domain/id-code-typos.ts';

const generator = new IdCodeGenerator(randomBytes(32));
const sample = () => generator.codeFor(Math.floor(Math.random() * 2 ** 40));

describe('typo candidates', () => {
  it('include the code meant, for every substitution and neighbour swap of 200 codes', () => {
    for (let s = 0; s < 200; s++) {
      const code = sample();
      for (let i = 0; i < code.length; i++) {
        const other = ID_CODE_ALPHABET[(ID_CODE_ALPHABET.indexOf(code[i]!) + 1 + (s % 31)) % 32]!;
        const typo = code.slice(0, i) + other + code.slice(i + 1);
        expect(typoCandidates(typo)).toContain(code);
        if (i + 1 < code.length && code[i] !== code[i + 1]) {
          const swapped = code.slice(0, i) + code[i + 1] + code[i] + code.slice(i + 2);
          expect(typoCandidates(swapped)).toContain(code);
        }
      }
    }
  });

  it('are few, valid and never the input itself', () => {
    const code = sample();
    const typo = code.slice(0, 3) + (code[3] === 'Z' ? 'Y' : 'Z') + code.slice(4);
    const candidates = typoCandidates(typo.toLowerCase());
    expect(candidates.length).toBeGreaterThan(0);
    expect(candidates.length).toBeLessThanOrEqual(19);
    for (const c of candidates) expect(parseIdCode(c)).toEqual({ ok: true, code: c });
    expect(typoCandidates(code)).toEqual([]);
  });

  it('offer insertions for a missing character and deletions for an extra one', () => {
    const code = sample();
    expect(typoCandidates(code.slice(0, 4) + code.slice(5))).toContain(code);
    expect(typoCandidates(code.slice(0, 6) + 'X' + code.slice(6))).toContain(code);
  });

  it('give up on input that is not nearly a code', () => {
    expect(typoCandidates('hello')).toEqual([]);
    expect(typoCandidates('ABCDE!GHJK')).toEqual([]);
    expect(typoCandidates('A'.repeat(50))).toEqual([]);
  });
});

describe('text shaped like an ID code (#14 item 10)', () => {
  it('is a code, a code with a slip or a code-like word; names with spaces, mixed case or no digit are names', () => {
    expect(looksLikeIdCode('MS7P4BZKQF')).toBe(true);
    expect(looksLikeIdCode('ms7p4bzkqf')).toBe(true);
    expect(looksLikeIdCode('MS7P4-BZKQF')).toBe(true);
    expect(looksLikeIdCode('MS7P4BZKQ')).toBe(true);
    expect(looksLikeIdCode('MS7P4BZKQFF')).toBe(true);
    // A slip is taken for a code when it keeps a digit; codes without one ("ABCDEFGHJK") need a
    // lookup (hasIdCodeShape), so the sample here is a code with a digit and two different
    // neighbours to swap.
    let code = sample();
    while (!/\d/.test(code) || code[3] === code[4]) code = sample();
    expect(looksLikeIdCode(code)).toBe(true);
    expect(looksLikeIdCode(code.slice(0, 3) + code[4] + code[3] + code.slice(5))).toBe(true);
    for (const name of ['Sensor board', 'Controller', 'ESP32-Board', 'MOTORBOARD', 'Rev2', 'PX-2000 v3'])
      expect(looksLikeIdCode(name), name).toBe(false);
  });
});
