/**
 * The IPP wire encoder and decoder (RFC 8010) on what the printers' answers hold beyond what the
 * ippeveprinter tests read: additional values, collections, dates, ranges, resolutions, text with a
 * language, out-of-band values and the document after the attributes.
 */
import { describe, expect, it } from 'vitest';
import { parseIppAddress } from '../../src/printers/ipp-client.ts';
import {
  GROUP,
  TAG,
  decodeIpp,
  encodeIpp,
  findAttribute,
  IppDecodeError,
} from '../../src/printers/ipp-wire.ts';

describe('IPP wire format', () => {
  it('round-trips a message: groups, several values, a nested collection, out-of-band values, data', () => {
    const message = {
      code: 0x000b,
      requestId: 42,
      groups: [
        {
          tag: GROUP.operation,
          attributes: [
            { name: 'attributes-charset', tag: TAG.charset, values: ['utf-8'] },
            { name: 'requested-attributes', tag: TAG.keyword, values: ['printer-state', 'media-col-ready'] },
          ],
        },
        {
          tag: GROUP.printer,
          attributes: [
            { name: 'printer-state', tag: TAG.enum, values: [3] },
            { name: 'printer-is-accepting-jobs', tag: TAG.boolean, values: [true] },
            { name: 'printer-info', tag: TAG.text, values: ['Ligne 1 — étiquettes'] },
            { name: 'printer-location', tag: TAG.text, values: [null] },
            {
              name: 'media-col-ready',
              tag: TAG.begCollection,
              values: [
                {
                  'media-size': [{ 'x-dimension': [6200], 'y-dimension': [2900] }],
                  'media-type': ['labels'],
                },
              ],
            },
          ],
        },
      ],
      data: new Uint8Array([0x25, 0x50, 0x44, 0x46]),
    };
    const decoded = decodeIpp(encodeIpp(message));
    expect(decoded.code).toBe(0x000b);
    expect(decoded.requestId).toBe(42);
    expect(findAttribute(decoded.groups, 'requested-attributes')?.values).toEqual([
      'printer-state',
      'media-col-ready',
    ]);
    expect(findAttribute(decoded.groups, 'printer-info', GROUP.printer)?.values).toEqual([
      'Ligne 1 — étiquettes',
    ]);
    expect(findAttribute(decoded.groups, 'printer-location')?.values).toEqual([null]);
    expect(findAttribute(decoded.groups, 'printer-is-accepting-jobs')?.values).toEqual([true]);
    expect(findAttribute(decoded.groups, 'media-col-ready')?.values).toEqual([
      { 'media-size': [{ 'x-dimension': [6200], 'y-dimension': [2900] }], 'media-type': ['labels'] },
    ]);
    expect(Buffer.from(decoded.data!).toString()).toBe('%PDF');
  });

  it('decodes dates, ranges, resolutions and text with a language as a printer writes them', () => {
    const value = (tag: number, name: string, bytes: number[]) => [
      tag,
      0,
      name.length,
      ...Buffer.from(name),
      0,
      bytes.length,
      ...bytes,
    ];
    const date = [0x07, 0xea, 12, 7, 10, 30, 15, 5, 0x2b, 1, 0]; // 2026-12-07 10:30:15.5 +01:00
    const range = [0, 0, 0, 1, 0, 0, 0, 99];
    const resolution = [0, 0, 1, 44, 0, 0, 1, 44, 3]; // 300 × 300 dpi
    const text = [0, 2, ...Buffer.from('fr'), 0, Buffer.byteLength('prêt'), ...Buffer.from('prêt')];
    const bytes = Buffer.from([
      1,
      1,
      0,
      0,
      0,
      0,
      0,
      7,
      GROUP.printer,
      ...value(TAG.dateTime, 'printer-current-time', date),
      ...value(TAG.rangeOfInteger, 'copies-supported', range),
      ...value(TAG.resolution, 'printer-resolution-default', resolution),
      ...value(TAG.textWithLanguage, 'printer-state-message', text),
      GROUP.end,
    ]);
    const { groups } = decodeIpp(bytes);
    expect(findAttribute(groups, 'printer-current-time')?.values).toEqual([
      new Date('2026-12-07T09:30:15.500Z'),
    ]);
    expect(findAttribute(groups, 'copies-supported')?.values).toEqual([{ lower: 1, upper: 99 }]);
    expect(findAttribute(groups, 'printer-resolution-default')?.values).toEqual([
      { x: 300, y: 300, units: 3 },
    ]);
    expect(findAttribute(groups, 'printer-state-message')?.values).toEqual(['prêt']);
  });

  it('refuses bytes that are not a whole IPP message', () => {
    expect(() => decodeIpp(Buffer.from('<html>'))).toThrow(IppDecodeError);
    expect(() => decodeIpp(Buffer.from([1, 1, 0, 0, 0, 0, 0, 1, 4, 0x21, 0, 5]))).toThrow(IppDecodeError);
  });

  it('turns printer addresses into the HTTP URL and printer-uri', () => {
    expect(parseIppAddress('ipp://10.0.4.21/ipp/print')).toMatchObject({
      printerUri: 'ipp://10.0.4.21:631/ipp/print',
      display: '10.0.4.21:631',
    });
    expect(parseIppAddress('ipp://10.0.4.21/ipp/print').url.href).toBe('http://10.0.4.21:631/ipp/print');
    expect(parseIppAddress('ipps://printer.lan/ipp/print').url.href).toBe(
      'https://printer.lan:631/ipp/print',
    );
    expect(parseIppAddress('http://cups.lan:631/printers/labels').printerUri).toBe(
      'ipp://cups.lan:631/printers/labels',
    );
    for (const bad of ['socket://10.0.0.1:9100', '10.0.0.1:9100', 'ipp://', 'ipp://h/p?x=1']) {
      expect(() => parseIppAddress(bad), bad).toThrow(/address/);
    }
  });
});
