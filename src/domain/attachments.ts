/**
 * Attachments: files on lots, builds and history events (test logs, photos, certificates, RMA
 * forms). What a file *is* is read from its bytes — by the file-type package, which the storage
 * layer runs on the staged file — never taken from the name or the declared type; executables are
 * refused; names are cleaned before they are shown or sent back in a Content-Disposition header.
 * Files are stored by the SHA-256 of their bytes, once.
 *
 * Pure: our policy on top of what file-type detected (which types are accepted, which are
 * executables), the rule for text (which has no magic number), naming.
 */
import { ValidationError } from './errors.ts';

/** How many leading bytes are kept for the text and `#!` rules. */
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

/** What file-type recognised in a file's bytes (its `FileTypeResult`): `{ext: 'pdf', mime: 'application/pdf'}`. */
export interface DetectedType {
  ext: string;
  mime: string;
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

/** Detected types that run code when opened or installed, whatever the file is called. */
const EXECUTABLES: Record<string, string> = {
  elf: 'ELF executable',
  exe: 'Windows executable',
  macho: 'Mach-O executable',
  // 0xCAFEBABE: a Java class file or a Mach-O universal binary; both run code.
  class: 'Java class or Mach-O universal binary',
  jar: 'Java archive',
  apk: 'Android package',
  lnk: 'Windows shortcut',
  chm: 'Windows help file',
  crx: 'Chrome extension',
  xpi: 'Firefox extension',
  deb: 'Debian package',
  rpm: 'RPM package',
};

/** Detected types we accept, by file-type's `ext`; any other binary type is kept as octet-stream. */
const ACCEPTED: Record<string, { family: string; label: string }> = {
  pdf: { family: 'pdf', label: 'PDF document' },
  png: { family: 'png', label: 'PNG image' },
  jpg: { family: 'jpeg', label: 'JPEG image' },
  gif: { family: 'gif', label: 'GIF image' },
  webp: { family: 'webp', label: 'WebP image' },
  tif: { family: 'tiff', label: 'TIFF image' },
  bmp: { family: 'bmp', label: 'BMP image' },
  zip: { family: 'zip', label: 'ZIP archive' },
  docx: { family: 'zip', label: 'Word document' },
  xlsx: { family: 'zip', label: 'Excel workbook' },
  pptx: { family: 'zip', label: 'PowerPoint presentation' },
  odt: { family: 'zip', label: 'OpenDocument text' },
  ods: { family: 'zip', label: 'OpenDocument spreadsheet' },
  odp: { family: 'zip', label: 'OpenDocument presentation' },
  cfb: { family: 'ole', label: 'Office 97–2003 document' },
  gz: { family: 'gzip', label: 'gzip archive' },
  '7z': { family: '7z', label: '7-Zip archive' },
};

/**
 * file-type knows these by two letters alone (`MZ`, `BM`), which also begin ordinary text (a log
 * headed "MZ-200 …"). A real Windows program or bitmap has binary header fields, so bytes that are
 * all text are text.
 */
const TWO_LETTER_SIGNATURES = new Set(['exe', 'bmp']);

const TEXT: Sniffed = {
  mediaType: 'text/plain; charset=utf-8',
  label: 'text',
  family: 'text',
  executable: false,
};
const BINARY: Sniffed = {
  mediaType: 'application/octet-stream',
  label: 'binary data',
  family: 'binary',
  executable: false,
};

/**
 * Text has no magic number, so this is our rule: valid UTF-8 (a BOM allowed) with no control
 * characters but tab, line breaks, form feed and escape. The sample may end inside a character.
 */
export function looksLikeText(sample: Uint8Array): boolean {
  const b = sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf ? sample.subarray(3) : sample;
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      if (c === 0x7f || (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0c && c !== 0x1b))
        return false;
      i++;
      continue;
    }
    const need = c >= 0xf0 && c <= 0xf4 ? 3 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xc2 && c <= 0xdf ? 1 : -1;
    if (need < 0) return false;
    for (let k = 1; k <= need; k++) {
      if (i + k >= b.length) return true;
      if ((b[i + k]! & 0xc0) !== 0x80) return false;
    }
    i += need + 1;
  }
  return true;
}

/**
 * What a file is, from what file-type detected in the whole file and its first bytes (`head`):
 * executables (and `#!` scripts, which file-type leaves to us) first, then the accepted types,
 * then text; anything else is `application/octet-stream`.
 */
export function classify(detected: DetectedType | null | undefined, head: Uint8Array): Sniffed {
  if (head[0] === 0x23 && head[1] === 0x21)
    return { mediaType: 'text/x-script', label: 'script', family: 'exe', executable: true };
  const text = looksLikeText(head);
  if (detected && !(text && TWO_LETTER_SIGNATURES.has(detected.ext))) {
    const executable = EXECUTABLES[detected.ext];
    if (executable) return { mediaType: detected.mime, label: executable, family: 'exe', executable: true };
    const accepted = ACCEPTED[detected.ext];
    if (accepted) return { mediaType: detected.mime, ...accepted, executable: false };
    if (!text) return { ...BINARY, label: detected.mime };
  }
  return text ? TEXT : BINARY;
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
 * Decides whether an upload is accepted and how it is served. The bytes decide the type (`detected`
 * by file-type, `head` for text and scripts); the name's extension and the declared media type are
 * only checked against them: a file that claims to be a PDF must be one. Executables are refused
 * whatever they claim.
 */
export function acceptUpload(input: {
  filename: string | null | undefined;
  declaredType: string | null | undefined;
  detected: DetectedType | null | undefined;
  head: Uint8Array;
}): { filename: string; mediaType: string; sniffed: Sniffed } {
  const sniffed = classify(input.detected, input.head);
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

/** What an attachment is stored against: a lot, a build, or one of a lot's history events. */
export type AttachmentTarget =
  | { kind: 'lot'; lotId: number; code: string }
  | { kind: 'build'; buildId: number; code: string }
  | { kind: 'event'; historyEventId: number; lotCode: string };

export interface Attachment {
  id: number;
  sha256: string;
  filename: string;
  mediaType: string;
  bytes: number;
  /** What it is attached to: `{ lot }`, `{ build }` or `{ event, lot }` (ID codes, event id). */
  target: { lot: string | null; build: string | null; event: number | null };
  note: string | null;
  uploadedBy: string;
  createdAt: Date;
}
