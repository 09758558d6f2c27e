/**
 * The zpl driver's pure parts: printer addresses, the `~HS` and SGD answers, GS1 element strings,
 * ZPL escapes, text fitting, and the fake printer's reading of a format's code.
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/domain/errors.ts';
import { LABEL_TEMPLATES } from '../../src/domain/label-templates.ts';
import { gs1Encoded, parseGs1 } from '../../src/domain/gs1.ts';
import { formatRawAddress, parseRawAddress } from '../../src/printers/raw-tcp.ts';
import { zplBatchSize } from '../../src/printers/zpl.ts';
import { dataMatrixUrl, zplEscape, zplLabel, zplLabels } from '../../src/printers/zpl-format.ts';
import { readHostStatus, readSgdCounter, zplPrinterStatus } from '../../src/printers/zpl-status.ts';
import { estimateWidth, fitZplText } from '../../src/printers/zpl-text.ts';
import { codeData } from '../helpers/fake-zpl-printer.ts';

const fieldOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError) return error.problems[0]!.field;
    throw error;
  }
  return undefined;
};

describe('printer addresses', () => {
  it('reads host, host:port, IPv4 and IPv6, port 9100 by default', () => {
    expect(parseRawAddress('zebra-1.line.local')).toEqual({ host: 'zebra-1.line.local', port: 9100 });
    expect(parseRawAddress(' 10.0.4.21:6101 ')).toEqual({ host: '10.0.4.21', port: 6101 });
    expect(parseRawAddress('[fe80::1]:9101')).toEqual({ host: 'fe80::1', port: 9101 });
    expect(parseRawAddress('[::1]')).toEqual({ host: '::1', port: 9100 });
    expect(parseRawAddress('2001:db8::5')).toEqual({ host: '2001:db8::5', port: 9100 });
    expect(formatRawAddress({ host: '::1', port: 9100 })).toBe('[::1]:9100');
  });

  it.each(['', '   ', 'a b', 'host:0', 'host:65536', 'host:x', 'host:', '[zz]:1', '-bad-.com', 'h:1:2'])(
    'refuses %j naming the field `address`',
    (address) => {
      expect(fieldOf(() => parseRawAddress(address))).toBe('address');
    },
  );

  it('refuses a non-string', () => {
    expect(fieldOf(() => parseRawAddress(42))).toBe('address');
  });
});

const hs = (a: string, b: string) =>
  Buffer.from(`\x02${a}\x03\r\n\x02${b}\x03\r\n\x021234,0\x03\r\n`, 'latin1');
const READY_A = '030,0,0,0203,000,0,0,0,000,0,0,0';
const READY_B = '001,0,0,0,1,2,6,0,00000000,1,000';

describe('~HS and SGD answers', () => {
  it('reads the three framed lines (skipping stale bytes before them), and waits for all three', () => {
    const bytes = Buffer.concat([Buffer.from('"77"'), hs(READY_A, READY_B)]);
    const found = readHostStatus(bytes);
    expect(found?.consumed).toBe(bytes.length);
    expect(zplPrinterStatus(found!.value, 1234)).toMatchObject({
      state: 'ready',
      ready: true,
      pending: 0,
      counter: 1234,
    });
    expect(readHostStatus(bytes.subarray(0, bytes.length - 5))).toBeNull();
  });

  it.each([
    ['030,1,0,0203,002,0,0,0,000,0,0,0', READY_B, 'paper-out', 2],
    ['030,0,1,0203,004,0,0,0,000,0,0,0', READY_B, 'paused', 4],
    [READY_A, '001,0,1,0,1,2,6,0,00000000,1,000', 'head-open', 0],
    [READY_A, '001,0,0,1,1,2,6,0,00000000,1,000', 'ribbon-out', 0],
    ['030,0,0,0203,000,0,0,0,000,1,0,0', READY_B, 'error', 0],
    ['030,0,0,0203,003,0,0,0,000,0,0,0', '001,0,0,0,1,2,6,0,00000001,1,000', 'printing', 4],
  ])('%s / %s → %s, %i held', (a, b, state, pending) => {
    const status = zplPrinterStatus(readHostStatus(hs(a, b))!.value, null);
    expect(status).toMatchObject({ state, ready: false, pending });
    expect(status.counter).toBeUndefined();
  });

  it('throws for frames that are not a host status', () => {
    expect(() => readHostStatus(hs('garbage', 'x'))).toThrow(/not a ~HS answer/);
  });

  it('reads the SGD counter: a number, `?` as null, nothing yet', () => {
    expect(readSgdCounter(Buffer.from('"1234"\r\n'))).toEqual({ value: 1234, consumed: 8 });
    expect(readSgdCounter(Buffer.from('"?"'))).toEqual({ value: null, consumed: 3 });
    expect(readSgdCounter(Buffer.from('"12'))).toBeNull();
  });
});

describe('GS1 element strings', () => {
  it('parses the bracketed form; FNC1 first and after variable-length elements that are not last', () => {
    const text = '(01)09501101530003(11)261207(21)42(10)7K3M9Q2R4T';
    expect(parseGs1(text).map((e) => e.ai)).toEqual(['01', '11', '21', '10']);
    expect(gs1Encoded(text, '#1')).toBe('#10109501101530003112612072142#1107K3M9Q2R4T');
    expect(gs1Encoded('(01)09501101530003(10)AB(21)7', '#1')).toBe('#1010950110153000310AB#1217');
  });

  it.each([
    '',
    '0109501101530003',
    '(01)0950110153000',
    '(01)09501101530003(21)a b',
    '(21)7',
    '(2)4',
    '(310)000250',
  ])('refuses %j', (text) => {
    expect(fieldOf(() => parseGs1(text))).toBe('gs1');
  });
});

describe('ZPL field data', () => {
  it('escapes ^ ~ _, control and non-ASCII characters as ^FH hex', () => {
    expect(zplEscape('A^B~C_D')).toBe('A_5EB_7EC_5FD');
    expect(zplEscape('Grüße…\n')).toBe('Gr_C3_BC_C3_9Fe_E2_80_A6_0A');
  });

  it('writes a DataMatrix URL in ASCII without ~ (same URL, percent-encoded)', () => {
    expect(dataMatrixUrl('https://bt.example/~x/ü')).toBe('https://bt.example/%7Ex/%C3%BC');
  });

  it('fits text: the largest size that fits, else the smallest cut with …', () => {
    const sizes = { maxSize: 11, minSize: 7 };
    expect(fitZplText('SN 0042', 210, sizes, 203)).toEqual({ text: 'SN 0042', height: 31, cut: false });
    const shrunk = fitZplText('PX-2648-00042', 210, sizes, 203);
    expect(shrunk.cut).toBe(false);
    expect(shrunk.height).toBeLessThan(31);
    expect(estimateWidth(shrunk.text) * shrunk.height).toBeLessThanOrEqual(210);
    const cut = fitZplText('A part name far too long for any label of this size', 210, sizes, 203);
    expect(cut).toMatchObject({ cut: true, height: 20 });
    expect(cut.text.endsWith('…')).toBe(true);
    expect(estimateWidth(cut.text) * cut.height).toBeLessThanOrEqual(210);
  });
});

describe('ZPL labels', () => {
  const content = {
    code: 'ABCDEFGHJK',
    url: 'https://bt.example.com/id/ABCDEFGHJK',
    title: 'Board',
    serial: 7,
  };

  it('every format is self-contained: ^XA, ^CI28, ^PW, ^LL, ^LH0,0, ^PQ1 … ^XZ', () => {
    const zpl = zplLabel(LABEL_TEMPLATES['zebra-2x1in'], 300, content);
    expect(zpl).toMatch(/^\^XA\n\^CI28\^PW600\^LL300\^LH0,0\^PQ1\n/);
    expect(zpl.endsWith('^XZ\n')).toBe(true);
    expect(codeData(zpl)).toBe(content.url);
  });

  it('the fake reads the code of a GS1 label with FNC1 as GS', () => {
    const zpl = zplLabel(LABEL_TEMPLATES['pcb-12x12'], 600, { ...content, gs1: '(01)09501101530003(21)42' });
    expect(codeData(zpl)).toBe('\x1d0109501101530003' + '2142');
  });

  it('refuses sheets, resolutions the template lacks, bad content and codes too long, naming the field', () => {
    expect(fieldOf(() => zplLabel(LABEL_TEMPLATES['a4-3x8'], 300, content))).toBe('template');
    expect(fieldOf(() => zplLabel(LABEL_TEMPLATES['zebra-2x1in'], 600, content))).toBe('dpi');
    const many = [content, { ...content, code: '' }];
    expect(fieldOf(() => zplLabels(LABEL_TEMPLATES['zebra-2x1in'], 203, many))).toBe('labels.1.code');
    const long = { ...content, url: `https://bt.example.com/${'x'.repeat(400)}` };
    expect(fieldOf(() => zplLabels(LABEL_TEMPLATES['zebra-2x1in'], 203, [content, long]))).toBe(
      'labels.1.url',
    );
    const gs1 = { ...content, gs1: '(01)123' };
    expect(fieldOf(() => zplLabels(LABEL_TEMPLATES['zebra-2x1in'], 203, [gs1]))).toBe('labels.0.gs1');
  });

  it('sizes batches to about ten seconds of printing', () => {
    expect(zplBatchSize(LABEL_TEMPLATES['zebra-2x1in'], 203)).toBe(50);
    expect(zplBatchSize(LABEL_TEMPLATES['zebra-2x1in'], 300)).toBe(40);
    expect(zplBatchSize(LABEL_TEMPLATES['brother-62x29'], 300)).toBe(35);
    expect(zplBatchSize(LABEL_TEMPLATES['pcb-12x12'], 600)).toBe(20);
  });
});
