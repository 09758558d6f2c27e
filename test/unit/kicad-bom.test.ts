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

  it('expands designator ranges and refuses nonsense', () => {
    expect(expandDesignators('R1-R3, R7 C2-4')).toEqual({
      designators: ['R1', 'R2', 'R3', 'R7', 'C2', 'C3', 'C4'],
    });
    expect(expandDesignators('R5-R1')).toHaveProperty('error');
    expect(expandDesignators('R1-R999999')).toHaveProperty('error');
  });
});
