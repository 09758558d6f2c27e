/**
 * A streaming `multipart/form-data` reader (RFC 7578): yields each part's headers, then its body in
 * chunks as they arrive, so a 25 MB file never sits in memory. Only what uploads need: no nested
 * multiparts, no transfer encodings inside parts.
 */

export interface PartHeaders {
  /** The form field's name. */
  name: string;
  /** The file name the client gave, as sent (clean it before use). */
  filename: string | undefined;
  contentType: string | undefined;
}

export type MultipartEvent =
  { type: 'part'; headers: PartHeaders } | { type: 'data'; chunk: Buffer } | { type: 'end' };

/** The body is not well-formed multipart. */
export class MultipartError extends Error {}

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');
const MAX_HEADER_BYTES = 16 * 1024;

/** The boundary of a `multipart/form-data` Content-Type, or null when it is not one. */
export function boundaryOf(contentType: string | undefined): string | null {
  if (!contentType || !/^multipart\/form-data\s*(;|$)/i.test(contentType)) return null;
  const params = parseParams(contentType.slice(contentType.indexOf(';') + 1));
  const boundary = params.get('boundary');
  return boundary && /^[\x20-\x7e]{1,70}$/.test(boundary) && !boundary.endsWith(' ') ? boundary : null;
}

/**
 * `a=1; b="x y"; filename*=UTF-8''n%C3%A4me` → map (names lower-cased, RFC 5987 decoded). In a
 * part's Content-Disposition, quoted values follow the HTML form encoding rather than RFC 822: a
 * backslash is a character (`C:\\dir\\a.txt`), and `"`, CR and LF arrive as %22, %0D and %0A.
 */
function parseParams(text: string, style: 'rfc822' | 'html' = 'rfc822'): Map<string, string> {
  const params = new Map<string, string>();
  const re =
    style === 'rfc822'
      ? /\s*([^\s=;]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))\s*(?:;|$)/gy
      : /\s*([^\s=;]+)\s*=\s*(?:"([^"]*)"|([^;]*))\s*(?:;|$)/gy;
  let m: RegExpExecArray | null;
  while (re.lastIndex < text.length && (m = re.exec(text)) !== null) {
    const key = m[1]!.toLowerCase();
    const value =
      m[2] === undefined
        ? m[3]!.trim()
        : style === 'rfc822'
          ? m[2].replace(/\\(.)/g, '$1')
          : m[2].replace(/%(22|0D|0A)/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    if (key.endsWith('*')) {
      const ext = /^([\w!#$%&+^`{}~-]*)'[^']*'(.*)$/.exec(value);
      if (ext) {
        try {
          params.set(key.slice(0, -1), decodeURIComponent(ext[2]!));
          continue;
        } catch {
          // an undecodable extended value: keep the plain one, if any
        }
      }
      continue;
    }
    if (!params.has(key)) params.set(key, value);
  }
  return params;
}

function parseHeaders(block: Buffer): PartHeaders {
  const headers = new Map<string, string>();
  for (const line of block.toString('utf8').split('\r\n')) {
    if (!line) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new MultipartError(`a part has a malformed header line`);
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const disposition = headers.get('content-disposition');
  if (!disposition || !/^form-data\s*(;|$)/i.test(disposition))
    throw new MultipartError('a part has no Content-Disposition: form-data header');
  const params = parseParams(disposition.slice(disposition.indexOf(';') + 1), 'html');
  const name = params.get('name');
  if (name === undefined) throw new MultipartError('a part has no field name');
  return { name, filename: params.get('filename'), contentType: headers.get('content-type') };
}

/**
 * Reads a multipart body. The caller pulls events; backpressure follows from pulling. Throws
 * MultipartError on malformed or truncated input.
 */
export async function* parseMultipart(
  source: AsyncIterable<Buffer | Uint8Array | string>,
  boundary: string,
  options: { maxParts?: number } = {},
): AsyncGenerator<MultipartEvent, void, undefined> {
  const maxParts = options.maxParts ?? 20;
  // Every delimiter, the first included, is "\r\n--boundary": the body is read as if it began with CRLF.
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  let buf: Buffer = CRLF;
  type State = 'preamble' | 'after-delimiter' | 'headers' | 'body' | 'done';
  // Changed inside step(): declared wide so the checks below are not narrowed away.
  let state = 'preamble' as State;
  let parts = 0;

  const step = function* (): Generator<MultipartEvent> {
    for (;;) {
      switch (state) {
        case 'preamble': {
          const at = buf.indexOf(delimiter);
          if (at < 0) {
            buf = buf.subarray(Math.max(0, buf.length - delimiter.length + 1));
            return;
          }
          buf = buf.subarray(at + delimiter.length);
          state = 'after-delimiter';
          break;
        }
        case 'after-delimiter': {
          // Optional linear white space may follow a delimiter before its CRLF.
          const trimmed = buf.subarray(buf.length - buf.toString('latin1').replace(/^[ \t]+/, '').length);
          if (trimmed.length < 2) return;
          if (trimmed[0] === 0x2d && trimmed[1] === 0x2d) {
            state = 'done';
            return;
          }
          if (trimmed[0] !== 0x0d || trimmed[1] !== 0x0a) throw new MultipartError('a boundary is malformed');
          buf = trimmed.subarray(2);
          state = 'headers';
          break;
        }
        case 'headers': {
          // A part without headers starts right away with an empty line.
          if (buf.length >= 2 && buf[0] === 0x0d && buf[1] === 0x0a) {
            throw new MultipartError('a part has no Content-Disposition: form-data header');
          }
          const end = buf.indexOf(HEADER_END);
          if (end < 0) {
            if (buf.length > MAX_HEADER_BYTES) throw new MultipartError('a part has too many header bytes');
            return;
          }
          if (++parts > maxParts) throw new MultipartError(`more than ${maxParts} parts`);
          const headers = parseHeaders(buf.subarray(0, end));
          buf = buf.subarray(end + HEADER_END.length);
          state = 'body';
          yield { type: 'part', headers };
          break;
        }
        case 'body': {
          const at = buf.indexOf(delimiter);
          if (at >= 0) {
            if (at > 0) yield { type: 'data', chunk: buf.subarray(0, at) };
            yield { type: 'end' };
            buf = buf.subarray(at + delimiter.length);
            state = 'after-delimiter';
            break;
          }
          // Keep what could be the start of a delimiter split across chunks.
          const keep = delimiter.length - 1;
          if (buf.length > keep) {
            yield { type: 'data', chunk: buf.subarray(0, buf.length - keep) };
            buf = buf.subarray(buf.length - keep);
          }
          return;
        }
        case 'done':
          return;
      }
    }
  };

  for await (const raw of source) {
    const chunk =
      typeof raw === 'string' ? Buffer.from(raw) : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    if (state === 'done') continue; // the epilogue is ignored
    // Copy: chunks handed out must not change when the next one arrives.
    buf = buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([buf, chunk]);
    yield* step();
  }
  if (state !== 'done') throw new MultipartError('the body ended before the closing boundary');
}
