/** External identifiers: each well-known kind's format and normal form, and what search guesses. */
import { describe, expect, it } from 'vitest';
import {
  identifierLookups,
  isIdentifierKind,
  luhnCheckDigit,
  normalizeIdentifier,
} from '../../src/domain/identifiers.ts';

const ok = (value: string) => ({ ok: true, value });
const refused = (message: RegExp | string) => ({
  ok: false,
  message: typeof message === 'string' ? message : expect.stringMatching(message),
});

describe('identifier kinds', () => {
  it('are lowercase slugs of at most 30 characters', () => {
    for (const kind of ['mac', 'imei', 'asset_tag', 'customer-tag', 'x', `a${'b'.repeat(29)}`])
      expect(isIdentifierKind(kind), kind).toBe(true);
    for (const kind of ['', 'MAC', '1mac', '_mac', 'asset tag', `a${'b'.repeat(30)}`, 'mäc'])
      expect(isIdentifierKind(kind), kind).toBe(false);
  });
});

describe('MAC and Bluetooth addresses', () => {
  it('accept the four usual forms in any case and keep AA:BB:CC:DD:EE:FF', () => {
    for (const form of [
      'aa:bb:cc:dd:ee:0f',
      'AA-BB-CC-DD-EE-0F',
      'aabb.ccdd.ee0f',
      'AABBCCDDEE0F',
      ' aa:bb:cc:dd:ee:0f ',
    ])
      for (const kind of ['mac', 'ble'])
        expect(normalizeIdentifier(kind, form), form).toEqual(ok('AA:BB:CC:DD:EE:0F'));
  });

  it('refuse other lengths, characters and groupings, saying which', () => {
    expect(normalizeIdentifier('mac', 'aa:bb:cc:dd:ee')).toEqual(
      refused('a MAC address has 12 hex digits (6 bytes), this has 10'),
    );
    expect(normalizeIdentifier('mac', 'aa:bb:cc:dd:ee:ff:00')).toEqual(refused(/this has 14$/));
    expect(normalizeIdentifier('mac', 'aa:bb:cc:dd:ee:fg')).toEqual(
      refused("'g' is not a hex digit: a MAC address has hex digits only"),
    );
    expect(normalizeIdentifier('mac', 'aab:bcc:dde:eff')).toEqual(refused(/^write a MAC address as/));
    expect(normalizeIdentifier('mac', 'aa:bb-cc:dd:ee:ff')).toEqual(refused(/^write a MAC address as/));
    expect(normalizeIdentifier('ble', '')).toEqual(refused(/Bluetooth address has 12 hex digits/));
  });
});

describe('IMEI', () => {
  it('takes 15 digits with a valid Luhn check digit, grouped or not', () => {
    expect(luhnCheckDigit('49015420323751')).toBe(8);
    expect(normalizeIdentifier('imei', '490154203237518')).toEqual(ok('490154203237518'));
    expect(normalizeIdentifier('imei', '49-015420-323751-8')).toEqual(ok('490154203237518'));
    expect(normalizeIdentifier('imei', '49 015420 323751 8')).toEqual(ok('490154203237518'));
  });

  it('says the check digit is missing from 14 digits, and which it would be', () => {
    expect(normalizeIdentifier('imei', '49015420323751')).toEqual(
      refused('an IMEI has 15 digits; this has 14: the check digit is missing (it would be 8)'),
    );
  });

  it('refuses a wrong check digit, other lengths and other characters', () => {
    expect(normalizeIdentifier('imei', '490154203237519')).toEqual(
      refused("the IMEI's check digit does not match (expected 8): a digit is probably mistyped"),
    );
    expect(normalizeIdentifier('imei', '4901542032375180')).toEqual(
      refused('an IMEI has 15 digits, this has 16'),
    );
    expect(normalizeIdentifier('imei', '49015420323751A')).toEqual(refused('an IMEI has digits only'));
  });
});

describe('ICCID', () => {
  it('takes 19 or 20 digits with a valid Luhn check digit', () => {
    const body19 = '894401234567890123';
    const iccid19 = `${body19}${luhnCheckDigit(body19)}`;
    const body20 = '8944012345678901234';
    const iccid20 = `${body20}${luhnCheckDigit(body20)}`;
    expect(normalizeIdentifier('iccid', iccid19)).toEqual(ok(iccid19));
    expect(normalizeIdentifier('iccid', iccid20)).toEqual(ok(iccid20));
    const wrong = `${body19}${(luhnCheckDigit(body19) + 1) % 10}`;
    expect(normalizeIdentifier('iccid', wrong)).toEqual(refused(/^the ICCID's check digit does not match/));
    expect(normalizeIdentifier('iccid', body19.slice(0, 17))).toEqual(
      refused('an ICCID has 19 or 20 digits, this has 17'),
    );
  });
});

describe('other kinds', () => {
  it('take trimmed printable text of 1 to 100 characters, as typed', () => {
    expect(normalizeIdentifier('asset_tag', '  ACME-0042 ')).toEqual(ok('ACME-0042'));
    expect(normalizeIdentifier('asset_tag', 'ü'.repeat(100))).toEqual(ok('ü'.repeat(100)));
    expect(normalizeIdentifier('asset_tag', '   ')).toEqual(refused('must not be empty or only whitespace'));
    expect(normalizeIdentifier('asset_tag', 'x'.repeat(101))).toEqual(
      refused('has at most 100 characters, this has 101'),
    );
    expect(normalizeIdentifier('asset_tag', 'A\u0007B')).toEqual(refused(/printable/));
  });
});

describe('what search takes a text for', () => {
  it('a MAC-shaped text is a MAC or Bluetooth address, and a value of any kind', () => {
    expect(identifierLookups('aabb.ccdd.eeff')).toEqual([
      { kinds: ['mac', 'ble'], value: 'AA:BB:CC:DD:EE:FF' },
      { kinds: null, value: 'aabb.ccdd.eeff' },
    ]);
  });

  it('15 digits an IMEI, 19–20 digits an ICCID', () => {
    expect(identifierLookups('490154203237518')[0]).toEqual({ kinds: ['imei'], value: '490154203237518' });
    expect(identifierLookups('89440123456789012345')[0]).toEqual({
      kinds: ['iccid'],
      value: '89440123456789012345',
    });
  });

  it('anything else, the text as typed among all kinds', () => {
    expect(identifierLookups(' ACME-0042 ')).toEqual([{ kinds: null, value: 'ACME-0042' }]);
  });
});
