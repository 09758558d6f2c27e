/**
 * Serial formats: a project may print formatted serials such as `PX-{yy}{ww}-{seq:05}`, drawn from a
 * per-part counter that never repeats across builds.
 *
 * Placeholders: `{seq}` (required, once; `{seq:05}` pads to 5 digits), `{yyyy}`, `{yy}`, `{mm}`,
 * `{dd}`, `{ww}` (ISO week). Dates are taken in UTC when the unit is generated. Literal text may use
 * letters, digits, space and `- _ . / #`.
 */
import { ValidationError } from './errors.ts';

type Piece = { literal: string } | { date: 'yyyy' | 'yy' | 'mm' | 'dd' | 'ww' } | { seq: number };

const TOKEN = /\{([a-z]+)(?::(\d{1,2}))?\}/g;
const LITERAL = /^[A-Za-z0-9 \-_./#]*$/;
export const MAX_SERIAL_LENGTH = 64;

const LITERAL_OR_DATE = '(?:[A-Za-z0-9 _./#-]|\\{(?:yyyy|yy|mm|dd|ww)\\})*';
/** The grammar {@link compileSerialFormat} accepts, as one pattern (for the API document). */
export const SERIAL_FORMAT_PATTERN = `^${LITERAL_OR_DATE}\\{seq(?::\\d{1,2})?\\}${LITERAL_OR_DATE}$`;

function isoWeek(date: Date): number {
  const d = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  const day = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - day);
  const yearStart = Date.UTC(d.getUTCFullYear(), 0, 1);
  return Math.ceil(((d.getTime() - yearStart) / 86_400_000 + 1) / 7);
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

export interface SerialFormat {
  source: string;
  render(seq: number, date: Date): string;
}

export function compileSerialFormat(source: string, field = 'serialFormat'): SerialFormat {
  const fail = (message: string): never => {
    throw ValidationError.field(field, message);
  };
  if (source.length === 0 || source.length > MAX_SERIAL_LENGTH)
    fail(`must have 1 to ${MAX_SERIAL_LENGTH} characters`);
  const pieces: Piece[] = [];
  let last = 0;
  let seqCount = 0;
  for (const match of source.matchAll(TOKEN)) {
    const literal = source.slice(last, match.index);
    if (literal) pieces.push({ literal });
    const [, token, width] = match;
    if (token === 'seq') {
      seqCount++;
      pieces.push({ seq: width ? Number(width) : 0 });
    } else if (token === 'yyyy' || token === 'yy' || token === 'mm' || token === 'dd' || token === 'ww') {
      if (width) fail(`{${token}} takes no width`);
      pieces.push({ date: token });
    } else {
      fail(`unknown placeholder {${token}}; use {seq}, {seq:05}, {yyyy}, {yy}, {mm}, {dd} or {ww}`);
    }
    last = match.index + match[0].length;
  }
  const tail = source.slice(last);
  if (tail) pieces.push({ literal: tail });
  for (const piece of pieces) {
    if ('literal' in piece && !LITERAL.test(piece.literal)) {
      fail(`'${piece.literal}' may only use letters, digits, space and - _ . / #`);
    }
  }
  if (seqCount !== 1) fail('must contain {seq} exactly once');

  return {
    source,
    render(seq, date) {
      let out = '';
      for (const piece of pieces) {
        if ('literal' in piece) out += piece.literal;
        else if ('seq' in piece) out += pad(seq, piece.seq);
        else if (piece.date === 'yyyy') out += pad(date.getUTCFullYear(), 4);
        else if (piece.date === 'yy') out += pad(date.getUTCFullYear() % 100, 2);
        else if (piece.date === 'mm') out += pad(date.getUTCMonth() + 1, 2);
        else if (piece.date === 'dd') out += pad(date.getUTCDate(), 2);
        else out += pad(isoWeek(date), 2);
      }
      return out;
    },
  };
}
