import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type ValidationError } from '../../src/domain/errors.ts';
import { expandDesignators, parseKicadBom } from '../../src/domain/kicad-bom.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');

describe('KiCad BOM import (parsing)', () => {
  it('reads a kicad-cli grouped export with ranges and a DNP row', () => {
    const bom = parseKicadBom(fixture('kicad8-grouped.csv'));
    expect(bom.shape).toBe('grouped');
    expect(bom.rejected).toEqual([]);
    expect(bom.skipped).toEqual([{ line: 6, reason: 'marked do-not-populate' }]);
    expect(bom.lines).toHaveLength(8);
    const caps = bom.lines.find((l) => l.mpn === 'GRM188R71H104KA93D')!;
    expect(caps).toMatchObject({
      quantity: 6,
      designators: ['C1', 'C2', 'C5', 'C6', 'C7', 'C8'],
      manufacturer: 'Murata',
      sourceLines: [2],
    });
    expect(bom.lines.find((l) => l.mpn === 'ESP32-C3-MINI-1-N4')).toMatchObject({
      value: 'ESP32-C3-MINI-1',
      footprint: 'RF_Module:ESP32-C3-MINI-1',
    });
  });

  it('reads a legacy one-row-per-reference export with a preamble, merging rows by MPN (any case)', () => {
    const bom = parseKicadBom(fixture('kicad-legacy-per-reference.csv'));
    expect(bom.shape).toBe('per-reference');
    expect(bom.rejected).toEqual([]);
    expect(bom.skipped).toEqual([
      { line: 10, reason: 'virtual symbol (power flag), not a component' },
      { line: 15, reason: 'marked do-not-populate' },
    ]);
    expect(bom.lines.map((l) => [l.mpn, l.quantity, l.designators.join(' '), l.sourceLines])).toEqual([
      ['GRM188R71H104KA93D', 2, 'C1 C2', [8, 9]],
      ['RC0603FR-0710KL', 2, 'R1 R2', [11, 12]],
      ['BME280', 1, 'U1', [13]],
      ['61300411121', 1, 'J1', [14]],
    ]);
  });

  it('reads a semicolon-separated grouped BOM with space-separated designators and other column names', () => {
    const bom = parseKicadBom(fixture('excel-semicolon-grouped.csv'));
    expect(bom.shape).toBe('grouped');
    expect(bom.lines.map((l) => [l.mpn, l.quantity, l.value])).toEqual([
      ['RC0603FR-0710KL', 4, '10k'],
      ['GRM188R71H104KA93D', 2, '100n'],
      ['ATTINY1616-SNR', 1, 'ATtiny1616'],
    ]);
  });

  it('rejects malformed rows with their line numbers and reasons, keeping the good ones', () => {
    const bom = parseKicadBom(fixture('kicad-malformed.csv'));
    expect(bom.rejected).toEqual([
      { line: 2, reason: 'quantity 4 does not match the 3 references listed' },
      { line: 3, reason: 'no MPN: the part cannot be matched or created' },
      { line: 4, reason: "quantity 'two' is not a positive whole number" },
      { line: 7, reason: 'designator U1 already appears on line 5' },
      { line: 8, reason: "'R3?' is not a reference designator" },
    ]);
    expect(bom.lines.map((l) => [l.mpn, l.quantity, l.designators.length])).toEqual([
      ['STM32G031K8T6', 2, 2],
      ['150060GS75000', 9, 9],
    ]);
  });

  it('refuses a file that is not CSV, has no header or no MPN column, naming the csv field', () => {
    const problem = (text: string) => {
      try {
        parseKicadBom(text);
      } catch (error) {
        return (error as ValidationError).problems[0];
      }
      return undefined;
    };
    expect(problem(fixture('kicad-broken-quotes.csv'))).toMatchObject({
      field: 'csv',
      message: expect.stringContaining('cannot be read as CSV'),
    });
    expect(problem('Value,Footprint\n10k,R_0603\n')).toMatchObject({
      field: 'csv',
      message: expect.stringContaining('no header row'),
    });
    expect(problem('Reference,Value\nR1,10k\n')).toMatchObject({
      field: 'csv',
      message: expect.stringContaining('MPN'),
    });
    expect(problem('  \n')).toMatchObject({ field: 'csv', message: 'the file is empty' });
  });

  it('skips mounting holes, mechanical items, fiducials and test points without an MPN, naming why (#14 item 12)', () => {
    const bom = parseKicadBom(fixture('kicad8-lcsc-fields.csv'));
    expect(bom.skipped).toEqual([
      { line: 5, reason: 'marked do-not-populate' },
      { line: 8, reason: 'mounting hole, not a part (no MPN)' },
      { line: 9, reason: 'mechanical item, not a part (no MPN)' },
      { line: 10, reason: 'fiducial, not a part (no MPN)' },
      { line: 11, reason: 'test point, not a part (no MPN)' },
    ]);
    // A test point with an MPN (a Keystone loop) is a part like any other; an LED without one is not skipped.
    expect(bom.lines.find((l) => l.designators.includes('TP3'))).toMatchObject({ mpn: '5015', quantity: 1 });
    expect(bom.rejected).toEqual([{ line: 13, reason: 'no MPN: the part cannot be matched or created' }]);
  });

  it('takes the MPN from the columns the request names, in order, and refuses an unknown column (#14 item 13)', () => {
    const problem = (text: string, options?: Parameters<typeof parseKicadBom>[1]) => {
      try {
        parseKicadBom(text, options);
      } catch (error) {
        return (error as ValidationError).problems[0];
      }
      return undefined;
    };
    expect(problem(fixture('jlcpcb-lcsc-only.csv'))).toEqual({
      field: 'csv',
      message:
        "no MPN or Manufacturer_Part_Number column; name the column to use with mpnColumns (the file's columns: Comment, Designator, Footprint, LCSC Part #)",
    });
    const jlc = parseKicadBom(fixture('jlcpcb-lcsc-only.csv'), { mpnColumns: ['lcsc part #'] });
    expect(jlc.lines.map((l) => [l.mpn, l.quantity, l.fields])).toEqual([
      ['C14663', 3, { 'LCSC Part #': 'C14663' }],
      ['C25804', 2, { 'LCSC Part #': 'C25804' }],
      ['C2838502', 1, { 'LCSC Part #': 'C2838502' }],
    ]);
    expect(jlc.rejected).toEqual([{ line: 5, reason: 'no MPN (column LCSC Part # is empty)' }]);
    expect(problem(fixture('jlcpcb-lcsc-only.csv'), { mpnColumns: ['JLCPCB'] })).toEqual({
      field: 'mpnColumns.0',
      message: "no column 'JLCPCB' in the file (its columns: Comment, Designator, Footprint, LCSC Part #)",
    });

    // The MPN where there is one, else the LCSC number; an extra supplier column kept as a field.
    const both = parseKicadBom(fixture('kicad8-lcsc-fields.csv'), {
      mpnColumns: ['MPN', 'LCSC'],
      supplierColumns: ['Manufacturer'],
    });
    expect(both.rejected).toEqual([]);
    expect(both.lines.find((l) => l.designators.includes('D1'))).toMatchObject({
      mpn: 'C72043',
      fields: { Characteristics: 'green 520nm', LCSC: 'C72043' },
    });
    expect(both.lines.find((l) => l.designators.includes('J1'))!.fields).toMatchObject({
      Manufacturer: 'GCT',
    });
    expect(
      problem(fixture('jlcpcb-lcsc-only.csv'), { supplierColumns: ['Mouser'], mpnColumns: ['LCSC Part #'] }),
    ).toMatchObject({ field: 'supplierColumns.0' });
  });

  it('keeps datasheet, description, characteristics and supplier numbers; normalises look-alike characters in MPNs and says so (#14 item 14)', () => {
    const bom = parseKicadBom(fixture('kicad8-lcsc-fields.csv'));
    expect(bom.lines.find((l) => l.designators.includes('C3'))).toMatchObject({
      description: 'Unpolarized capacitor',
      fields: {
        Datasheet: 'https://search.murata.co.jp/Ceramy/image/img/A01X/G101/ENG/GRM21BR61E106KA73-01.pdf',
        Characteristics: 'X5R 25V 10%',
        LCSC: 'C15850',
      },
    });
    // KiCad writes '~' for "no datasheet": that is not kept.
    expect(bom.lines.find((l) => l.designators.includes('C1'))!.fields).toEqual({
      Characteristics: 'X7R 50V 10%',
      LCSC: 'C14663',
    });
    expect(bom.lines.find((l) => l.designators.includes('U2'))!.mpn).toBe('LM4041DIM3-1.2/NOPB');
    expect(bom.warnings).toEqual([
      {
        line: 7,
        reason:
          "MPN 'LM4041DIM3\u22121.2/NOPB' had look-alike characters (U+2212 as '-'): imported as 'LM4041DIM3-1.2/NOPB'",
      },
    ]);

    const other = parseKicadBom(
      'Reference,MPN\nU1,\u041c\u0410\u04253232\u0415\u200b\nU2,\uff2c\uff2d\uff13\uff15\uff18\n',
    );
    expect(other.lines.map((l) => l.mpn)).toEqual(['MAX3232E', 'LM358']);
    expect(other.warnings.map((w) => w.line)).toEqual([2, 3]);
    expect(other.warnings[0]!.reason).toContain("U+041C as 'M'");
  });

  it('expands designator ranges and refuses nonsense', () => {
    expect(expandDesignators('R1-R3, R7 C2-4')).toEqual({
      designators: ['R1', 'R2', 'R3', 'R7', 'C2', 'C3', 'C4'],
    });
    expect(expandDesignators('R5-R1')).toHaveProperty('error');
    expect(expandDesignators('R1-R999999')).toHaveProperty('error');
  });
});
