/**
 * Attachment rules: our policy on top of what file-type detects (executables refused, accepted
 * types, text), file names cleaned.
 */
import { fileTypeFromBuffer } from 'file-type';
import { describe, expect, it } from 'vitest';
import {
  UnsupportedFileType,
  acceptUpload,
  classify,
  looksLikeText,
  sanitizeFilename,
  type DetectedType,
} from '../../src/domain/attachments.ts';

const bytes = (...b: number[]) => Uint8Array.from(b);
const text = (s: string) => new TextEncoder().encode(s);
/** A whole 1×1 PNG (file-type reads into its chunks). */
const PNG = Uint8Array.from(
  Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAAC0lEQVR4AWP4DwQACfsD/c8LaHIAAAAASUVORK5CYII=',
    'base64',
  ),
);
const ELF = bytes(0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0x3e, 0);
const PE = Uint8Array.from([
  0x4d,
  0x5a,
  0x90,
  0,
  3,
  0,
  0,
  0,
  4,
  0,
  0,
  0,
  0xff,
  0xff,
  ...new Array(50).fill(0),
]);
const MACHO = Uint8Array.from([0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1, ...new Array(24).fill(0)]);
const OLE = Uint8Array.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, ...new Array(24).fill(0)]);
const PDF = text('%PDF-1.7\n%âãÏÓ\n1 0 obj << >> endobj\n%%EOF\n');
const ZIP = bytes(0x50, 0x4b, 0x03, 0x04, 20, 0, 0, 0, 8, 0);

/** What file-type reports, as it names them. */
const found = (ext: string, mime: string): DetectedType => ({ ext, mime });
const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

describe('our tables use the names file-type gives', () => {
  it.each([
    ['PDF', PDF, 'pdf'],
    ['PNG', PNG, 'png'],
    ['ELF', ELF, 'elf'],
    ['Windows PE', PE, 'exe'],
    ['Mach-O', MACHO, 'macho'],
    ['Office 97–2003', OLE, 'cfb'],
  ])('%s is "%s"', async (_name, sample, ext) => {
    expect((await fileTypeFromBuffer(sample))?.ext).toBe(ext);
    expect(classify(await fileTypeFromBuffer(sample), sample).family).not.toBe('binary');
  });
});

describe('classifying what file-type detected', () => {
  it.each([
    ['PDF', found('pdf', 'application/pdf'), PDF, 'application/pdf', false],
    ['PNG', found('png', 'image/png'), PNG, 'image/png', false],
    ['Word', found('docx', DOCX), ZIP, DOCX, false],
    ['Office 97–2003', found('cfb', 'application/x-cfb'), OLE, 'application/x-cfb', false],
    ['ELF', found('elf', 'application/x-elf'), ELF, 'application/x-elf', true],
    ['Windows PE', found('exe', 'application/x-msdownload'), PE, 'application/x-msdownload', true],
    ['Mach-O', found('macho', 'application/x-mach-binary'), MACHO, 'application/x-mach-binary', true],
    ['jar', found('jar', 'application/java-archive'), ZIP, 'application/java-archive', true],
    ['#! script (file-type leaves it to us)', null, text('#!/bin/sh\nrm -rf /\n'), 'text/x-script', true],
    ['CSV text', null, text('serial,vcc\n1,3.30\n'), 'text/plain; charset=utf-8', false],
    ['UTF-8 text', null, text('Prüfprotokoll – Gerät 7 ✓\n'), 'text/plain; charset=utf-8', false],
    [
      'text headed "MZ"',
      found('exe', 'application/x-msdownload'),
      text('MZ-200 test log\n'),
      'text/plain; charset=utf-8',
      false,
    ],
    [
      'text headed "BM"',
      found('bmp', 'image/bmp'),
      text('BMS-100 log\n'),
      'text/plain; charset=utf-8',
      false,
    ],
    [
      'XML, a text format',
      found('xml', 'application/xml'),
      text('<?xml version="1.0"?><a/>'),
      'text/plain; charset=utf-8',
      false,
    ],
    [
      'another binary type',
      found('mp4', 'video/mp4'),
      bytes(0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70),
      'application/octet-stream',
      false,
    ],
    ['unknown binary', null, bytes(0, 1, 2, 3, 250, 251, 0, 7), 'application/octet-stream', false],
  ])('%s', (_name, detected, head, mediaType, executable) => {
    const sniffed = classify(detected, head);
    expect(sniffed.mediaType).toBe(mediaType);
    expect(sniffed.executable).toBe(executable);
  });

  it('takes text cut in the middle of a multi-byte character, and a BOM', () => {
    expect(looksLikeText(text('Messwert 3,3 V – ok').subarray(0, 15))).toBe(true);
    expect(looksLikeText(bytes(0xef, 0xbb, 0xbf, 0x61))).toBe(true);
    expect(looksLikeText(bytes(0x61, 0, 0x62))).toBe(false);
  });
});

describe('file names', () => {
  it.each([
    ['../../etc/passwd', 'passwd'],
    ['..\\..\\windows\\system32\\drivers\\etc\\hosts', 'hosts'],
    ['/absolute/path/report.pdf', 'report.pdf'],
    ['..', 'attachment.bin'],
    ['.htaccess', 'htaccess'],
    ['', 'attachment.bin'],
    ['invoice\u202efdp.exe', 'invoicefdp.exe'],
    ['a\u0000b\r\nc.txt', 'abc.txt'],
    ['what?<is>this*.pdf', 'what__is_this_.pdf'],
    ['CON.txt', '_CON.txt'],
    ['trailing dots... ', 'trailing dots'],
    ['Prüfbericht  Gerät 7.pdf', 'Prüfbericht Gerät 7.pdf'],
  ])('%j → %j', (raw, clean) => {
    expect(sanitizeFilename(raw)).toBe(clean);
  });

  it('keeps the extension of a name that is too long', () => {
    const name = sanitizeFilename(`${'x'.repeat(300)}.pdf`);
    expect(name).toHaveLength(200);
    expect(name.endsWith('.pdf')).toBe(true);
  });
});

describe('accepting an upload', () => {
  const refused = (input: Parameters<typeof acceptUpload>[0]) => {
    try {
      acceptUpload(input);
    } catch (error) {
      expect(error).toBeInstanceOf(UnsupportedFileType);
      return (error as UnsupportedFileType).problems[0]!;
    }
    throw new Error('expected a refusal');
  };

  it('refuses an executable claiming to be a PDF', () => {
    const problem = refused({
      filename: 'datasheet.pdf',
      declaredType: 'application/pdf',
      detected: found('elf', 'application/x-elf'),
      head: ELF,
    });
    expect(problem).toEqual({
      field: 'file',
      message: 'is an executable (ELF executable) named .pdf; executables are not accepted',
    });
  });

  it('refuses executables whatever they are called, and names of executables whatever they hold', () => {
    expect(
      refused({
        filename: 'photo.jpg',
        declaredType: 'image/jpeg',
        detected: found('exe', 'application/x-msdownload'),
        head: PE,
      }).message,
    ).toMatch(/executable/);
    expect(
      refused({ filename: 'run.bat', declaredType: 'text/plain', detected: null, head: text('echo hi\r\n') })
        .message,
    ).toMatch(/name of an executable \(\.bat\)/);
  });

  it('refuses bytes that are not what the name or the declared type says', () => {
    expect(
      refused({
        filename: 'report.pdf',
        declaredType: 'application/pdf',
        detected: found('png', 'image/png'),
        head: PNG,
      }).message,
    ).toBe('is named .pdf but its bytes are PNG image');
    expect(
      refused({ filename: 'scan', declaredType: 'application/pdf', detected: null, head: text('hello') })
        .message,
    ).toBe('is declared as application/pdf but its bytes are text');
  });

  it('serves the type read from the bytes, under a clean name', () => {
    expect(
      acceptUpload({
        filename: '../../x/log.csv',
        declaredType: 'application/octet-stream',
        detected: null,
        head: text('a,b\n'),
      }),
    ).toMatchObject({ filename: 'log.csv', mediaType: 'text/csv; charset=utf-8' });
    expect(
      acceptUpload({ filename: 'photo', declaredType: null, detected: found('png', 'image/png'), head: PNG }),
    ).toMatchObject({
      filename: 'photo',
      mediaType: 'image/png',
    });
    expect(
      acceptUpload({ filename: 'trace.bin', declaredType: null, detected: null, head: bytes(0, 1, 2, 250) }),
    ).toMatchObject({
      mediaType: 'application/octet-stream',
    });
    expect(
      acceptUpload({
        filename: 'ict.docx',
        declaredType: null,
        detected: found('zip', 'application/zip'),
        head: ZIP,
      }).mediaType,
    ).toBe('application/vnd.openxmlformats-officedocument.wordprocessingml.document');
    expect(
      acceptUpload({
        filename: undefined,
        declaredType: undefined,
        detected: found('png', 'image/png'),
        head: PNG,
      }).filename,
    ).toBe('attachment.png');
  });
});
