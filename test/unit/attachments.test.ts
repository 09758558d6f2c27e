/** Attachment rules: types read from the bytes, executables refused, file names cleaned. */
import { describe, expect, it } from 'vitest';
import {
  UnsupportedFileType,
  acceptUpload,
  sanitizeFilename,
  sniffContentType,
} from '../../src/domain/attachments.ts';

const bytes = (...b: number[]) => Uint8Array.from(b);
const text = (s: string) => new TextEncoder().encode(s);
const PNG = bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13);
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
  0,
  0,
  ...new Array(50).fill(0),
]);
const zip = (entry: string) =>
  Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 20, 0, 0, 0, 8, 0, ...new Array(20).fill(0), ...text(entry)]);

describe('sniffing', () => {
  it.each([
    ['PDF', text('%PDF-1.7\n%âãÏÓ\n'), 'application/pdf', false],
    ['PNG', PNG, 'image/png', false],
    ['JPEG', bytes(0xff, 0xd8, 0xff, 0xe0, 0, 0x10), 'image/jpeg', false],
    ['GIF', text('GIF89a\x01\x00'), 'image/gif', false],
    ['ZIP', zip('readme.txt'), 'application/zip', false],
    [
      'Word',
      zip('word/document.xml'),
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      false,
    ],
    [
      'Excel',
      zip('xl/workbook.xml'),
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      false,
    ],
    ['OLE', bytes(0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1), 'application/x-ole-storage', false],
    ['ELF', ELF, 'application/x-elf', true],
    ['PE', PE, 'application/vnd.microsoft.portable-executable', true],
    ['Mach-O', bytes(0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1), 'application/x-mach-binary', true],
    ['script', text('#!/bin/sh\nrm -rf /\n'), 'text/x-script', true],
    ['jar', zip('META-INF/MANIFEST.MF'), 'application/java-archive', true],
    ['CSV text', text('serial,vcc\n1,3.30\n'), 'text/plain; charset=utf-8', false],
    ['UTF-8 text', text('Prüfprotokoll – Gerät 7 ✓\n'), 'text/plain; charset=utf-8', false],
    ['text starting with MZ', text('MZ-200 test log\n'), 'text/plain; charset=utf-8', false],
    ['binary', bytes(0, 1, 2, 3, 250, 251, 0, 7), 'application/octet-stream', false],
  ])('%s', (_name, head, mediaType, executable) => {
    const sniffed = sniffContentType(head);
    expect(sniffed.mediaType).toBe(mediaType);
    expect(sniffed.executable).toBe(executable);
  });

  it('accepts text cut in the middle of a multi-byte character', () => {
    const cut = text('Messwert 3,3 V – ok').subarray(0, 15);
    expect(sniffContentType(cut).family).toBe('text');
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
    const problem = refused({ filename: 'datasheet.pdf', declaredType: 'application/pdf', head: ELF });
    expect(problem).toEqual({
      field: 'file',
      message: 'is an executable (ELF executable) named .pdf; executables are not accepted',
    });
  });

  it('refuses executables whatever they are called, and names of executables whatever they hold', () => {
    expect(refused({ filename: 'photo.jpg', declaredType: 'image/jpeg', head: PE }).message).toMatch(
      /executable/,
    );
    expect(
      refused({ filename: 'run.bat', declaredType: 'text/plain', head: text('echo hi\r\n') }).message,
    ).toMatch(/name of an executable \(\.bat\)/);
  });

  it('refuses bytes that are not what the name or the declared type says', () => {
    expect(refused({ filename: 'report.pdf', declaredType: 'application/pdf', head: PNG }).message).toBe(
      'is named .pdf but its bytes are PNG image',
    );
    expect(refused({ filename: 'scan', declaredType: 'application/pdf', head: text('hello') }).message).toBe(
      'is declared as application/pdf but its bytes are text',
    );
  });

  it('serves the type read from the bytes, under a clean name', () => {
    expect(
      acceptUpload({
        filename: '../../x/log.csv',
        declaredType: 'application/octet-stream',
        head: text('a,b\n'),
      }),
    ).toMatchObject({ filename: 'log.csv', mediaType: 'text/csv; charset=utf-8' });
    expect(acceptUpload({ filename: 'photo', declaredType: null, head: PNG })).toMatchObject({
      filename: 'photo',
      mediaType: 'image/png',
    });
    expect(
      acceptUpload({ filename: 'trace.bin', declaredType: null, head: bytes(0, 1, 2, 250) }),
    ).toMatchObject({
      mediaType: 'application/octet-stream',
    });
    expect(
      acceptUpload({ filename: 'ict.docx', declaredType: null, head: zip('[Content_Types].xml') }).mediaType,
    ).toBe('application/vnd.openxmlformats-officedocument.wordprocessingml.document');
    expect(acceptUpload({ filename: undefined, declaredType: undefined, head: PNG }).filename).toBe(
      'attachment.png',
    );
  });
});
