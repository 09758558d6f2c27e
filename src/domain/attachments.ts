/**
 * Attachments: files on lots, builds and history events (test logs, photos, certificates, RMA
 * forms). What a file *is* is read from its first bytes (magic numbers), never taken from the name
 * or the declared type; executables are refused; names are cleaned before they are shown or sent
 * back in a Content-Disposition header. Files are stored by the SHA-256 of their bytes, once.
 *
 * Pure: sniffing, naming and the acceptance policy.
 */
import { ValidationError } from './errors.ts';

/** How many leading bytes the sniffer looks at. */
export const SNIFF_BYTES = 4100;

/** The upload's bytes are of a type buildtrace does not accept, or not what they claim to be. */
export class UnsupportedFileType extends ValidationError {
  constructor(message: string) {
    super([{ field: 'file', message }]);
  }
}

/** The upload is larger than the configured limit. Transports answer 413 and keep nothing. */
export class FileTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`the file is larger than the ${limit} bytes allowed`);
  }
}

/** A stored file no longer matches its SHA-256 (or is gone): it must not be served. */
export class StoredFileDamaged extends Error {
  constructor(
    readonly sha256: string,
    why: string,
  ) {
    super(why);
  }
}

export interface Sniffed {
  /** The media type served for the file. */
  mediaType: string;
  /** Short human name: `PDF document`, `ELF executable` … */
  label: string;
  /** Family used to compare with what the upload claims (`pdf`, `png`, `zip`, `text` …). */
  family: string;
  executable: boolean;
}

const startsWith = (b: Uint8Array, bytes: number[], at = 0) =>
  b.length >= at + bytes.length && bytes.every((x, i) => b[at + i] === x);
const ascii = (b: Uint8Array, s: string, at = 0) =>
  startsWith(
    b,
    [...s].map((c) => c.charCodeAt(0)),
    at,
  );
const contains = (b: Uint8Array, s: string) => Buffer.from(b).includes(s, 0, 'latin1');

const bin = (mediaType: string, label: string, family: string, executable = false): Sniffed => ({
  mediaType,
  label,
  family,
  executable,
});

/** Valid UTF-8 text with no control characters but tab, line breaks and form feed. */
function looksLikeText(b: Uint8Array): boolean {
  if (b.length === 0) return true;
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      if (c === 0x7f || (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0c && c !== 0x1b))
        return false;
      i++;
      continue;
    }
    const need = c >= 0xf0 && c <= 0xf4 ? 3 : c >= 0xe0 ? 2 : c >= 0xc2 && c <= 0xdf ? 1 : -1;
    if (need < 0 || c > 0xf4) return false;
    for (let k = 1; k <= need; k++) {
      // The sample may end in the middle of a character.
      if (i + k >= b.length) return true;
      if ((b[i + k]! & 0xc0) !== 0x80) return false;
    }
    i += need + 1;
  }
  return true;
}

/** What the first bytes of a file say it is. Unknown binary data is `application/octet-stream`. */
export function sniffContentType(head: Uint8Array): Sniffed {
  const b = head;
  if (ascii(b, '%PDF-')) return bin('application/pdf', 'PDF document', 'pdf');
  if (startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    return bin('image/png', 'PNG image', 'png');
  if (startsWith(b, [0xff, 0xd8, 0xff])) return bin('image/jpeg', 'JPEG image', 'jpeg');
  if (ascii(b, 'GIF87a') || ascii(b, 'GIF89a')) return bin('image/gif', 'GIF image', 'gif');
  if (ascii(b, 'RIFF') && ascii(b, 'WEBP', 8)) return bin('image/webp', 'WebP image', 'webp');
  if (startsWith(b, [0x49, 0x49, 0x2a, 0x00]) || startsWith(b, [0x4d, 0x4d, 0x00, 0x2a]))
    return bin('image/tiff', 'TIFF image', 'tiff');
  if (ascii(b, 'BM') && b.length >= 14 && b[6] === 0 && b[7] === 0 && b[8] === 0 && b[9] === 0)
    return bin('image/bmp', 'BMP image', 'bmp');
  // Executables, for every desktop and server platform.
  if (startsWith(b, [0x7f, 0x45, 0x4c, 0x46])) return bin('application/x-elf', 'ELF executable', 'exe', true);
  if (ascii(b, 'MZ') && !looksLikeText(b))
    return bin('application/vnd.microsoft.portable-executable', 'Windows executable', 'exe', true);
  for (const magic of [
    [0xfe, 0xed, 0xfa, 0xce],
    [0xce, 0xfa, 0xed, 0xfe],
    [0xfe, 0xed, 0xfa, 0xcf],
    [0xcf, 0xfa, 0xed, 0xfe],
  ])
    if (startsWith(b, magic)) return bin('application/x-mach-binary', 'Mach-O executable', 'exe', true);
  // 0xCAFEBABE is a Mach-O universal binary or a Java class file: both run code.
  if (startsWith(b, [0xca, 0xfe, 0xba, 0xbe]))
    return bin('application/x-mach-binary', 'executable', 'exe', true);
  if (ascii(b, '#!')) return bin('text/x-script', 'script', 'exe', true);
  // Archives and office documents.
  if (startsWith(b, [0x50, 0x4b, 0x03, 0x04]) || startsWith(b, [0x50, 0x4b, 0x05, 0x06])) {
    if (contains(b, 'AndroidManifest.xml') || contains(b, 'META-INF/MANIFEST.MF'))
      return bin('application/java-archive', 'Java/Android archive', 'exe', true);
    if (contains(b, 'word/'))
      return bin(
        'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
        'Word document',
        'zip',
      );
    if (contains(b, 'xl/'))
      return bin(
        'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        'Excel workbook',
        'zip',
      );
    if (contains(b, 'ppt/'))
      return bin(
        'application/vnd.openxmlformats-officedocument.presentationml.presentation',
        'PowerPoint presentation',
        'zip',
      );
    return bin('application/zip', 'ZIP archive', 'zip');
  }
  if (startsWith(b, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]))
    return bin('application/x-ole-storage', 'Office 97–2003 document', 'ole');
  if (startsWith(b, [0x1f, 0x8b])) return bin('application/gzip', 'gzip archive', 'gzip');
  if (startsWith(b, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]))
    return bin('application/x-7z-compressed', '7-Zip archive', '7z');
  if (looksLikeText(b.subarray(startsWith(b, [0xef, 0xbb, 0xbf]) ? 3 : 0)))
    return bin('text/plain; charset=utf-8', 'text', 'text');
  return bin('application/octet-stream', 'binary data', 'binary');
}

/** Extension → family and the media type served for it (text formats are served as the safe ones). */
const EXTENSIONS: Record<string, { family: string; mediaType?: string }> = {
  pdf: { family: 'pdf' },
  png: { family: 'png' },
  jpg: { family: 'jpeg' },
  jpeg: { family: 'jpeg' },
  gif: { family: 'gif' },
  webp: { family: 'webp' },
  tif: { family: 'tiff' },
  tiff: { family: 'tiff' },
  bmp: { family: 'bmp' },
  zip: { family: 'zip' },
  docx: {
    family: 'zip',
    mediaType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  },
  xlsx: { family: 'zip', mediaType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
  pptx: {
    family: 'zip',
    mediaType: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  },
  odt: { family: 'zip', mediaType: 'application/vnd.oasis.opendocument.text' },
  ods: { family: 'zip', mediaType: 'application/vnd.oasis.opendocument.spreadsheet' },
  doc: { family: 'ole', mediaType: 'application/msword' },
  xls: { family: 'ole', mediaType: 'application/vnd.ms-excel' },
  ppt: { family: 'ole', mediaType: 'application/vnd.ms-powerpoint' },
  msg: { family: 'ole', mediaType: 'application/vnd.ms-outlook' },
  gz: { family: 'gzip' },
  tgz: { family: 'gzip' },
  '7z': { family: '7z' },
  txt: { family: 'text' },
  log: { family: 'text' },
  csv: { family: 'text', mediaType: 'text/csv; charset=utf-8' },
  tsv: { family: 'text', mediaType: 'text/tab-separated-values; charset=utf-8' },
  json: { family: 'text', mediaType: 'application/json' },
  md: { family: 'text', mediaType: 'text/markdown; charset=utf-8' },
};

/** Media types a client may declare, mapped to the family they claim. */
const DECLARED: Record<string, string> = {
  'application/pdf': 'pdf',
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/tiff': 'tiff',
  'image/bmp': 'bmp',
  'application/zip': 'zip',
  'application/gzip': 'gzip',
  'application/x-7z-compressed': '7z',
  'application/msword': 'ole',
  'application/vnd.ms-excel': 'ole',
};

/** Names Windows or macOS would run when opened, whatever their bytes. */
const EXECUTABLE_EXTENSIONS = new Set(
  'exe dll com scr msi msp bat cmd ps1 psm1 vbs vbe js jse wsf wsh hta cpl jar apk app sh command lnk reg'.split(
    ' ',
  ),
);

const extensionOf = (name: string) => {
  const m = /\.([A-Za-z0-9]{1,10})$/.exec(name);
  return m ? m[1]!.toLowerCase() : '';
};

const DEFAULT_EXTENSION: Record<string, string> = {
  pdf: 'pdf',
  png: 'png',
  jpeg: 'jpg',
  gif: 'gif',
  webp: 'webp',
  tiff: 'tif',
  bmp: 'bmp',
  zip: 'zip',
  ole: 'doc',
  gzip: 'gz',
  '7z': '7z',
  text: 'txt',
  binary: 'bin',
};

/**
 * A file name safe to show and to send back: the last path segment only (`../../etc/passwd` →
 * `passwd`), no control or bidirectional-override characters, none of `<>:"/\|?*`, no leading dots,
 * not a Windows device name, at most 200 characters (keeping the extension).
 */
export function sanitizeFilename(raw: string | null | undefined, fallbackExtension = 'bin'): string {
  let name = (raw ?? '').normalize('NFC');
  name = name.split(/[\\/]/).pop() ?? '';
  name = [...name]
    .filter((c) => {
      const n = c.codePointAt(0)!;
      // Control characters, and the marks that reorder text (invoice‮fdp.exe)
      return !(
        n < 0x20 ||
        (n >= 0x7f && n <= 0x9f) ||
        n === 0x200e ||
        n === 0x200f ||
        n === 0xfeff ||
        (n >= 0x202a && n <= 0x202e) ||
        (n >= 0x2066 && n <= 0x2069)
      );
    })
    .join('');
  name = name.replace(/[<>:"|?*]/g, '_');
  name = name.replace(/\s+/g, ' ');
  name = name.replace(/^[\s.]+/, '').replace(/[\s.]+$/, '');
  if (/^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i.test(name)) name = `_${name}`;
  if (name.length > 200) {
    const ext = extensionOf(name);
    name = ext ? `${name.slice(0, 199 - ext.length)}.${ext}` : name.slice(0, 200);
  }
  return name || `attachment.${fallbackExtension}`;
}

/**
 * Decides whether an upload is accepted and how it is served. The bytes decide the type; the name's
 * extension and the declared media type are only checked against them: a file that claims to be a
 * PDF must be one. Executables are refused whatever they claim.
 */
export function acceptUpload(input: {
  filename: string | null | undefined;
  declaredType: string | null | undefined;
  head: Uint8Array;
}): { filename: string; mediaType: string; sniffed: Sniffed } {
  const sniffed = sniffContentType(input.head);
  const filename = sanitizeFilename(input.filename, DEFAULT_EXTENSION[sniffed.family] ?? 'bin');
  const ext = extensionOf(filename);
  if (sniffed.executable)
    throw new UnsupportedFileType(
      `is an executable (${sniffed.label})${ext ? ` named .${ext}` : ''}; executables are not accepted`,
    );
  if (EXECUTABLE_EXTENSIONS.has(ext))
    throw new UnsupportedFileType(`has the name of an executable (.${ext}); executables are not accepted`);
  const declared = input.declaredType?.split(';')[0]?.trim().toLowerCase() ?? '';
  const claims: { family: string; by: string }[] = [];
  if (EXTENSIONS[ext]) claims.push({ family: EXTENSIONS[ext].family, by: `named .${ext}` });
  if (DECLARED[declared]) claims.push({ family: DECLARED[declared], by: `declared as ${declared}` });
  for (const claim of claims) {
    if (claim.family !== sniffed.family)
      throw new UnsupportedFileType(`is ${claim.by} but its bytes are ${sniffed.label}`);
  }
  const known = EXTENSIONS[ext];
  let mediaType = sniffed.mediaType;
  if (known && known.family === sniffed.family && known.mediaType) mediaType = known.mediaType;
  if (sniffed.family === 'zip' && ext === 'zip') mediaType = 'application/zip';
  return { filename, mediaType, sniffed };
}
