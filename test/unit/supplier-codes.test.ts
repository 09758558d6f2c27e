/**
 * Supplier codes (src/domain/supplier-codes.ts): DigiKey and Mouser ISO/IEC 15434 bags with their
 * control characters and every substitute a keyboard-wedge scanner sends for them, LCSC QR codes,
 * and the answers a technician gets for a scan that is none of these. Random text never throws.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeIdCode } from '../../src/domain/id-code.ts';
import { EOT, GS, RS, guessSupplier, parseSupplierCode } from '../../src/domain/supplier-codes.ts';

/** A DigiKey bag as its DataMatrix reads (fields in DigiKey's order, `K` empty without a PO). */
const DIGIKEY_FIELDS = [
  'P296-1395-1-ND',
  '1PSN74LVC1G14DBVR',
  'KPO-4471',
  '1K73829104',
  '10K88201937',
  '9D2312',
  '1TA2305B7',
  '11K1',
  '4LMY',
  'Q250',
  '11ZPICK',
  '12Z1145833',
  '13Z999999',
  '20Z0000000000000000000000000000',
];
const digikey = (rs = RS, gs = GS, eot = EOT) => `[)>${rs}06${gs}${DIGIKEY_FIELDS.join(gs)}${rs}${eot}`;

/** A Mouser bag: PO, PO line, MPN, quantity, invoice, country, manufacturer. */
const MOUSER_FIELDS = [
  'KPO-4472',
  '14K003',
  '1PGRM155R71C104KA88D',
  'Q1000',
  '11K61522094',
  '4LJP',
  '1VMurata',
];
const mouser = (rs = RS, gs = GS, eot = EOT) => `[)>${rs}06${gs}${MOUSER_FIELDS.join(gs)}${rs}${eot}`;

const LCSC =
  '{pbn:PICK2203150012,on:SO2203151234,pc:C25804,pm:0603WAF1002T5E,qty:100,mc:,cc:1,pdi:62069578,hp:0,wc:JS}';

function parsed(text: string) {
  const result = parseSupplierCode(text);
  if (!result.ok) throw new Error(`expected a supplier code, got: ${result.problem}`);
  return result.code;
}
function problem(text: string) {
  const result = parseSupplierCode(text);
  if (result.ok) throw new Error(`expected a problem, got ${JSON.stringify(result.code)}`);
  return result.problem;
}

describe('ISO/IEC 15434 (DigiKey, Mouser)', () => {
  it('reads a DigiKey bag', () => {
    const code = parsed(digikey());
    expect(code).toMatchObject({
      format: 'iso15434',
      supplier: 'digikey',
      customerPart: '296-1395-1-ND',
      supplierPart: '296-1395-1-ND',
      mpn: 'SN74LVC1G14DBVR',
      quantity: 250,
      purchaseOrder: 'PO-4471',
      salesOrder: '73829104',
      dateCode: '2312',
      lot: 'A2305B7',
      countryOfOrigin: 'MY',
    });
    expect(code.fields).toMatchObject({
      '10K': '88201937',
      '11K': '1',
      '12Z': '1145833',
      '20Z': expect.any(String),
    });
  });

  it('reads a Mouser bag; Mouser has no sales order field', () => {
    const code = parsed(mouser());
    expect(code).toMatchObject({
      supplier: 'mouser',
      mpn: 'GRM155R71C104KA88D',
      quantity: 1000,
      purchaseOrder: 'PO-4472',
      countryOfOrigin: 'JP',
      fields: { '14K': '003', '1V': 'Murata', '11K': '61522094' },
    });
    expect(code.salesOrder).toBeUndefined();
    expect(code.customerPart).toBeUndefined();
  });

  const substitutes = {
    'control characters': [RS, GS, EOT],
    'caret notation': ['^^', '^]', '^D'],
    braces: ['{RS}', '{GS}', '{EOT}'],
    'angle brackets': ['<RS>', '<GS>', '<EOT>'],
    'lower-case braces': ['{rs}', '{gs}', '{eot}'],
    'control pictures': ['␞', '␝', '␄'],
  } as const;
  for (const [name, [rs, gs, eot]] of Object.entries(substitutes)) {
    it(`reads the same code whatever the scanner sends: ${name}`, () => {
      const reference = parsed(digikey());
      expect(parsed(digikey(rs, gs, eot))).toEqual(reference);
      expect(parsed(`${digikey(rs, gs, eot)}\r\n`)).toEqual(reference);
      expect(parsed(mouser(rs, gs, eot))).toEqual(parsed(mouser()));
    });
  }

  it('reads a code whose EOT, or RS and EOT, the scanner dropped', () => {
    const reference = parsed(digikey());
    expect(parsed(digikey(RS, GS, ''))).toEqual(reference);
    expect(parsed(`[)>${RS}06${GS}${DIGIKEY_FIELDS.join(GS)}\n`)).toEqual(reference);
  });

  it('keeps DIs it does not know under their digits and letter, and the first of a repeated one', () => {
    const code = parsed(`[)>${RS}06${GS}1PABC-1${GS}Q5${GS}7QXYZ${GS}Q6${GS}99XHELLO${RS}${EOT}`);
    expect(code.quantity).toBe(5);
    expect(code.fields).toEqual({ '1P': 'ABC-1', Q: '5', '7Q': 'XYZ', '99X': 'HELLO' });
    expect(code.supplier).toBeNull();
  });

  it('prefers the 10D date code to 9D', () => {
    expect(parsed(`[)>${RS}06${GS}9D2301${GS}10D2302${GS}Q1${RS}${EOT}`).dateCode).toBe('2302');
  });

  it('refuses a code without a usable quantity, naming Q', () => {
    expect(problem(`[)>${RS}06${GS}1PABC${RS}${EOT}`)).toBe(
      'This is an ISO/IEC 15434 code but it has no quantity (Q)',
    );
    for (const q of ['0', '-5', '2.5', 'ten', '', '10000001'])
      expect(problem(`[)>${RS}06${GS}1PABC${GS}Q${q}${RS}${EOT}`)).toMatch(/quantity \(Q\)/);
    expect(parsed(`[)>${RS}06${GS}1PABC${GS}Q10000000${RS}${EOT}`).quantity).toBe(10_000_000);
  });

  it('says when another format than 06 is scanned, or the separators were dropped', () => {
    expect(problem(`[)>${RS}05${GS}0109501101530003${RS}${EOT}`)).toMatch(/format 05: only format 06/);
    expect(problem(`[)>${RS}12${GS}XYZ${RS}${EOT}`)).toMatch(/format 12/);
    expect(problem('[)>06P296-1395-1-ND1PSN74LVC1G14DBVRQ250')).toMatch(/left out its separators/);
    expect(problem(`[)>${RS}06P296-1395-1-ND`)).toMatch(/separators \(GS\)/);
    expect(problem(`[)>${RS}06${GS}1PABC${GS}12345${GS}Q1${RS}`)).toMatch(/field 2 .* data identifier/);
  });
});

describe('LCSC', () => {
  it('reads an LCSC QR code', () => {
    const code = parsed(LCSC);
    expect(code).toMatchObject({
      format: 'lcsc',
      supplier: 'lcsc',
      mpn: '0603WAF1002T5E',
      supplierPart: 'C25804',
      quantity: 100,
      salesOrder: 'SO2203151234',
      fields: { pbn: 'PICK2203150012', mc: '', cc: '1', pdi: '62069578', hp: '0', wc: 'JS' },
    });
    expect(code.purchaseOrder).toBeUndefined();
  });

  it('tolerates spaces, a trailing newline and a comma inside a value', () => {
    const spaced =
      '{ pbn: PICK2203150012 , on:SO2203151234, pc: C25804,pm:0603WAF1002T5E , qty: 100 ,mc:,cc:1}\r\n';
    expect(parsed(spaced)).toMatchObject({ mpn: '0603WAF1002T5E', quantity: 100, supplierPart: 'C25804' });
    expect(parsed(spaced).canonical).toBe(
      parsed('{pbn:PICK2203150012,on:SO2203151234,pc:C25804,pm:0603WAF1002T5E,qty:100,mc:,cc:1}').canonical,
    );
    expect(parsed('{pc:C1,pm:ABC,12,qty:3}').mpn).toBe('ABC,12');
  });

  it('refuses an LCSC code without a quantity or a part', () => {
    expect(problem('{pbn:PICK1,pc:C25804,pm:0603WAF1002T5E}')).toBe(
      'This is an LCSC code but it has no quantity (qty)',
    );
    expect(problem('{pc:C25804,qty:0}')).toMatch(/quantity \(qty\) 0/);
    expect(problem('{pbn:PICK1,qty:5}')).toMatch(/no part number/);
  });
});

describe('scans that are not a supplier code', () => {
  it('answers each clearly', () => {
    expect(problem('')).toMatch(/^The scan is empty/);
    expect(problem(' \r\n')).toMatch(/^The scan is empty/);
    expect(problem('x'.repeat(2001))).toMatch(/2001 characters/);
    const code = encodeIdCode(12345);
    expect(problem(code)).toMatch(/buildtrace label, not a supplier's code/);
    expect(problem(`https://trace.example.com/id/${code}`)).toMatch(/buildtrace label/);
    expect(problem(`https://trace.example.com/id/${code.toLowerCase()}\n`)).toMatch(/buildtrace label/);
    expect(problem('https://www.digikey.com/product-detail/en/x')).toMatch(/web address/);
    expect(problem('(01)09501101530003(21)42')).toMatch(/GS1 product code/);
    expect(problem('hello world')).toBe(
      "This does not look like a supplier's code ('hello world'): expected a DigiKey or Mouser code (ISO/IEC 15434, starting '[)>') or an LCSC code ('{pbn:…,pc:…,qty:…}')",
    );
    expect(problem(`bad${GS}scan`)).toContain('bad␝scan');
  });

  it('never throws on random text, and every answer is a code or a sentence', () => {
    const pieces = fc.constantFrom(
      '[)>',
      RS,
      GS,
      EOT,
      '06',
      '^]',
      '{GS}',
      'Q',
      '1P',
      '{',
      '}',
      ':',
      ',',
      'qty',
      '1T',
      '\r\n',
    );
    const scans = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.string({ unit: 'binary', maxLength: 100 }),
      fc.array(fc.oneof(pieces, fc.string({ maxLength: 5 })), { maxLength: 40 }).map((a) => a.join('')),
    );
    fc.assert(
      fc.property(scans, (scan) => {
        const result = parseSupplierCode(scan);
        if (result.ok) {
          expect(result.code.quantity).toBeGreaterThan(0);
          expect(Number.isInteger(result.code.quantity)).toBe(true);
        } else {
          expect(result.problem.length).toBeGreaterThan(10);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('guessSupplier', () => {
  it('names DigiKey and Mouser from the fields only they print, else nobody', () => {
    expect(guessSupplier({ '1P': 'X', '13Z': '1' })).toBe('digikey');
    expect(guessSupplier({ '1K': '1', '10K': '2' })).toBe('digikey');
    expect(guessSupplier({ P: '296-1395-1-ND' })).toBe('digikey');
    expect(guessSupplier({ K: 'PO', '14K': '001' })).toBe('mouser');
    expect(guessSupplier({ '1P': 'X', Q: '1', K: 'PO' })).toBeNull();
  });
});
