/**
 * GS1 identification (src/domain/gs1.ts): GTIN check digits against published examples, the
 * bracketed element string of a device and its FNC1-encoded form, and what GS1 refuses in a serial
 * or lot (over 20 characters, characters outside CSET 82).
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/domain/errors.ts';
import {
  GS,
  gs1ElementString,
  gs1Fnc1String,
  gs1Hri,
  gtinCheckDigit,
  gtinProblem,
  normalizeGtin,
  parseGs1,
} from '../../src/domain/gs1.ts';

function problemsOf(fn: () => unknown) {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError) return error.problems;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('GTIN', () => {
  it('computes the check digits of published GTINs', () => {
    // GS1's own examples: GTIN-13 9501101530003 (GS1 General Specifications), GTIN-8 96385074,
    // GTIN-12 036000291452 (UPC-A), GTIN-14 10614141000415.
    expect(gtinCheckDigit('950110153000')).toBe(3);
    expect(gtinCheckDigit('9638507')).toBe(4);
    expect(gtinCheckDigit('03600029145')).toBe(2);
    expect(gtinCheckDigit('1061414100041')).toBe(5);
    for (const gtin of ['09501101530003', '9501101530003', '96385074', '036000291452', '10614141000415'])
      expect(gtinProblem(gtin)).toBeNull();
  });

  it('normalises every length to GTIN-14', () => {
    expect(normalizeGtin('9501101530003')).toBe('09501101530003');
    expect(normalizeGtin('96385074')).toBe('00000096385074');
    expect(normalizeGtin('036000291452')).toBe('00036000291452');
    expect(normalizeGtin('09501101530003')).toBe('09501101530003');
  });

  it('refuses a wrong check digit, a wrong length and non-digits, naming the field', () => {
    expect(gtinProblem('09501101530004')).toMatch(/check digit: its last digit must be 3/);
    expect(gtinProblem('95011015300')).toMatch(/8, 12, 13 or 14 digits/);
    expect(gtinProblem('0950110153000X')).toMatch(/digits only/);
    expect(problemsOf(() => normalizeGtin('09501101530004', 'gtin'))).toEqual([
      { field: 'gtin', message: expect.stringMatching(/check digit/) },
    ]);
  });
});

describe('element string', () => {
  const device = {
    gtin: '9501101530003',
    productionDate: '2026-12-07',
    serial: 'S-00042',
    lot: '7K3M9Q2R4T',
  };

  it('builds (01)(11)(21)(10) with the GTIN as GTIN-14 and the date as YYMMDD', () => {
    expect(gs1ElementString(device)).toBe('(01)09501101530003(11)261207(21)S-00042(10)7K3M9Q2R4T');
    expect(gs1ElementString({ gtin: '09501101530003', serial: '42' })).toBe('(01)09501101530003(21)42');
  });

  it('encodes FNC1 as GS after a variable-length field that is not last, never after fixed ones', () => {
    const text = gs1ElementString(device);
    expect(gs1Fnc1String(text)).toBe(`010950110153000311261207` + `21S-00042${GS}` + `107K3M9Q2R4T`);
    // The lot last: no separator after it; a serial last: none either.
    expect(gs1Fnc1String('(01)09501101530003(11)261207(21)42')).toBe('01095011015300031126120721' + '42');
    expect(gs1Fnc1String('(01)09501101530003(10)A1(21)B2')).toBe(`0109501101530003` + `10A1${GS}21B2`);
  });

  it('reads back what it builds, and prints each AI as its own line', () => {
    const text = gs1ElementString(device);
    expect(parseGs1(text).map((e) => e.ai)).toEqual(['01', '11', '21', '10']);
    expect(gs1Hri(text, '01')).toBe('(01)09501101530003');
    expect(gs1Hri(text, '21')).toBe('(21)S-00042');
    expect(gs1Hri('(01)09501101530003', '10')).toBe('');
  });

  it('refuses a serial over 20 characters and explains the limit', () => {
    const problems = problemsOf(() => gs1ElementString({ ...device, serial: 'S'.repeat(21) }));
    expect(problems).toEqual([
      { field: 'serial', message: expect.stringMatching(/21 characters.*at most 20/) },
    ]);
    expect(gs1ElementString({ ...device, serial: 'S'.repeat(20) })).toContain(`(21)${'S'.repeat(20)}(10)`);
  });

  it('refuses characters outside GS1 character set 82, spaces and parentheses', () => {
    for (const serial of ['PX 0042', 'Ü-1', 'A(1)', 'a#b', ''])
      expect(problemsOf(() => gs1ElementString({ ...device, serial }))[0]!.field).toBe('serial');
    expect(problemsOf(() => gs1ElementString({ ...device, lot: 'LOT 7' }))[0]!.message).toMatch(
      /character set 82/,
    );
    // The rest of CSET 82 passes.
    expect(() => gs1ElementString({ ...device, serial: `!"%&'*+,-./:;<=>?_` })).not.toThrow();
  });

  it('refuses a bad GTIN and a date that is not a day', () => {
    expect(problemsOf(() => gs1ElementString({ ...device, gtin: '09501101530004' }))[0]!.field).toBe('gtin');
    for (const productionDate of ['2026-02-30', '1999-12-31', '07.12.2026'])
      expect(problemsOf(() => gs1ElementString({ ...device, productionDate }))[0]!.field).toBe(
        'productionDate',
      );
  });

  it('refuses element strings it would not print', () => {
    for (const text of [
      '(21)42',
      '(01)09501101530004',
      '(01)09501101530003(17)261207',
      '(01)09501101530003(21)42(21)43',
      '(01)09501101530003(11)261307',
      '01095011015300032142',
    ])
      expect(problemsOf(() => parseGs1(text))[0]!.field, text).toBe('gs1');
  });
});
