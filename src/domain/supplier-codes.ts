/**
 * Supplier codes: the 2D code printed on a supplier's bag, read at the receive station to receive
 * the bag's contents as a new lot.
 *
 * Glossary
 * - **ISO/IEC 15434**: the envelope DigiKey and Mouser (and most ECIA members) print as a
 *   DataMatrix: `[)>` RS `06` GS field GS field … RS EOT. Format `06` means each field starts with
 *   an ANSI MH10.8.2 data identifier; other formats (`05` GS1, `12` …) are not read here.
 * - **data identifier (DI)**: up to three digits and one upper-case letter leading a field, e.g.
 *   `1P` (supplier's part number, the MPN on DigiKey and Mouser bags), `Q` (quantity).
 * - **LCSC code**: the QR LCSC prints, `{pbn:…,on:…,pc:…,pm:…,qty:…,…}`: keys and values without
 *   quotes, separated by commas, in braces.
 * - **substitutes**: a keyboard-wedge scanner types what it reads; the control characters RS, GS and
 *   EOT come through only if it is set to send them, often as `^^`, `^]`, `^D`, `{GS}`, `<GS>` or the
 *   Unicode control pictures `␞ ␝ ␄`. All of these are read as the control character.
 *
 * Pure: no I/O. A scan never throws; what is wrong is a sentence for the technician at the station.
 */
import { parseIdCode } from './id-code.ts';

export const RS = '\u001e';
export const GS = '\u001d';
export const EOT = '\u0004';

/** Longest scan read: a bag's DataMatrix holds a few hundred characters. */
export const MAX_SCAN_LENGTH = 2000;
/** Largest quantity a bag can say it holds. */
export const MAX_SCAN_QUANTITY = 10_000_000;

export type SupplierCodeFormat = 'iso15434' | 'lcsc';
export type Supplier = 'digikey' | 'mouser' | 'lcsc';

/** What a supplier's code says, with every field as read. */
export interface SupplierCode {
  format: SupplierCodeFormat;
  /** Best guess from the fields present (see {@link guessSupplier}); null when unsure. */
  supplier: Supplier | null;
  /** `P`: the customer's part number; on DigiKey bags usually DigiKey's part number. */
  customerPart?: string;
  /** `1P`, or LCSC `pm`: the manufacturer part number. */
  mpn?: string;
  /** LCSC `pc` (e.g. `C25804`), or DigiKey's own part number (a `P` ending in `-ND`). */
  supplierPart?: string;
  /** `Q`, or LCSC `qty`: a whole number from 1 to {@link MAX_SCAN_QUANTITY}. */
  quantity: number;
  /** `K`: the customer's purchase order. */
  purchaseOrder?: string;
  /** DigiKey `1K`, or LCSC `on`: the supplier's sales order. */
  salesOrder?: string;
  /** `10D` or `9D` (`10D` first), usually `YYWW`. */
  dateCode?: string;
  /** `1T`: the manufacturer's or supplier's lot. */
  lot?: string;
  /** `4L`: country of origin (ISO 3166 alpha-2). */
  countryOfOrigin?: string;
  /** Every field as read: DIs (`1P`, `Q` …) or LCSC keys (`pc`, `qty` …). The first of a repeated one. */
  fields: Record<string, string>;
  /**
   * The code in one spelling whatever substitutes the scanner used: the same bag read twice gives
   * the same canonical text.
   */
  canonical: string;
}

export type ParsedSupplierCode = { ok: true; code: SupplierCode } | { ok: false; problem: string };

/**
 * The ANSI MH10.8.2 data identifiers supplier bags carry, with what they mean. A field's DI is its
 * leading digits and letter, so a DI not listed here is still read (and kept in `fields`).
 */
export const DATA_IDENTIFIERS: Record<string, string> = {
  P: "customer's part number",
  '1P': "supplier's part number (MPN)",
  '30P': "supplier's part number (second)",
  Q: 'quantity',
  '9D': 'date code (YYWW)',
  '10D': 'date code (YYWW)',
  '1T': 'lot number',
  K: 'purchase order',
  '1K': "supplier's order number",
  '10K': 'invoice number',
  '11K': 'packing list number',
  '14K': 'purchase order line',
  '4L': 'country of origin',
  '1V': 'manufacturer',
  '11Z': 'pick ticket',
  '12Z': "supplier's internal part id",
  '13Z': 'load id',
  '20Z': 'padding',
};

const SUBSTITUTES: Array<[RegExp, string]> = [
  [/\{RS\}|<RS>|\^\^|\u241e/gi, RS],
  [/\{GS\}|<GS>|\^\]|\u241d/gi, GS],
  [/\{EOT\}|<EOT>|\^D|\u2404/gi, EOT],
];

const FIELD = /^(\d{0,3}[A-Z])([\s\S]*)$/;

/** The scan as a technician can read it in a message: control characters as their pictures. */
function shown(text: string, max = 40): string {
  const visible = text
    .replaceAll(RS, '␞')
    .replaceAll(GS, '␝')
    .replaceAll(EOT, '␄')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f]/g, '�');
  return visible.length > max ? `${visible.slice(0, max)}…` : visible;
}

const NOT_SUPPLIER =
  "expected a DigiKey or Mouser code (ISO/IEC 15434, starting '[)>') or an LCSC code ('{pbn:…,pc:…,qty:…}')";

/**
 * Who printed an ISO/IEC 15434 code, from the DIs it carries:
 * - DigiKey: any of `11Z`, `12Z`, `13Z`, `20Z` (pick ticket, part id, load id, padding — fields only
 *   DigiKey prints), or `1K` together with `10K` (its sales order and invoice), or a `P` ending in
 *   `-ND` (DigiKey part numbers do).
 * - Mouser: `14K` (PO line) or `1V` (manufacturer), with no DigiKey field.
 * - otherwise null: a bag is better received with no supplier than the wrong one.
 */
export function guessSupplier(fields: Record<string, string>): Supplier | null {
  const has = (di: string) => Object.hasOwn(fields, di);
  if (['11Z', '12Z', '13Z', '20Z'].some(has)) return 'digikey';
  if (has('1K') && has('10K')) return 'digikey';
  if (/-ND$/i.test(fields.P ?? '')) return 'digikey';
  if (has('14K') || has('1V')) return 'mouser';
  return null;
}

/** A whole number of pieces, or what is wrong with it (`label` names the field, e.g. `quantity (Q)`). */
function readQuantity(value: string | undefined, label: string, kind: string): number | string {
  if (value === undefined) return `This is ${kind} but it has no ${label}`;
  const trimmed = value.trim();
  if (!/^\d+$/.test(trimmed))
    return `This is ${kind} but its ${label} '${shown(trimmed, 20)}' is not a whole number`;
  const n = Number(trimmed);
  if (n < 1 || n > MAX_SCAN_QUANTITY)
    return `This is ${kind} but its ${label} ${n} is not from 1 to ${MAX_SCAN_QUANTITY.toLocaleString('en')}`;
  return n;
}

const nonEmpty = (value: string | undefined) => {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
};

/** Drops the keys whose value is undefined (the optional properties stay absent, not undefined). */
function present<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function parseIso15434(text: string): ParsedSupplierCode {
  const kind = 'an ISO/IEC 15434 code';
  let body = text;
  for (const [pattern, control] of SUBSTITUTES) body = body.replace(pattern, control);
  body = body.replace(/[\r\n]+$/, '');
  if (!body.startsWith(`[)>${RS}`)) {
    return {
      ok: false,
      problem:
        `This is ${kind} but the scanner left out its separators (RS, GS): set the scanner to send ` +
        'control characters, or substitutes such as ^] for GS',
    };
  }
  const format = body.slice(4, 6);
  if (format !== '06') {
    return {
      ok: false,
      problem: `This is ${kind} of format ${shown(format, 2)}: only format 06 (DigiKey, Mouser) is read`,
    };
  }
  if (body[6] !== GS) {
    return {
      ok: false,
      problem:
        `This is ${kind} but the scanner left out the separators (GS) between its fields: set the ` +
        'scanner to send control characters, or substitutes such as ^]',
    };
  }
  // The envelope ends with RS EOT; a scanner may drop either, and anything after is not ours.
  let end = body.indexOf(RS, 7);
  if (end < 0) end = body.indexOf(EOT, 7);
  if (end < 0) end = body.length;
  const fields: Record<string, string> = {};
  const order: string[] = [];
  for (const [i, raw] of body.slice(7, end).split(GS).entries()) {
    const field = raw.replace(/^[\r\n]+|[\r\n]+$/g, '');
    if (field === '') continue;
    const match = FIELD.exec(field);
    if (!match) {
      return {
        ok: false,
        problem: `This is ${kind} but its field ${i + 1} ('${shown(field, 20)}') does not start with a data identifier such as 1P or Q`,
      };
    }
    const [, di, value] = match as unknown as [string, string, string];
    if (Object.hasOwn(fields, di)) continue;
    fields[di] = value;
    order.push(di);
  }
  const quantity = readQuantity(fields.Q, 'quantity (Q)', kind);
  if (typeof quantity === 'string') return { ok: false, problem: quantity };
  const supplier = guessSupplier(fields);
  const customerPart = nonEmpty(fields.P);
  return {
    ok: true,
    code: present({
      format: 'iso15434',
      supplier,
      customerPart,
      mpn: nonEmpty(fields['1P']),
      supplierPart: supplier === 'digikey' && /-ND$/i.test(customerPart ?? '') ? customerPart : undefined,
      quantity,
      purchaseOrder: nonEmpty(fields.K),
      salesOrder: supplier === 'digikey' ? nonEmpty(fields['1K']) : undefined,
      dateCode: nonEmpty(fields['10D']) ?? nonEmpty(fields['9D']),
      lot: nonEmpty(fields['1T']),
      countryOfOrigin: nonEmpty(fields['4L']),
      fields,
      canonical: `[)>${RS}06${GS}${order.map((di) => `${di}${fields[di]}`).join(GS)}${RS}${EOT}`,
    }),
  };
}

function parseLcsc(text: string): ParsedSupplierCode {
  const kind = 'an LCSC code';
  const inner = text.slice(1, -1);
  const fields: Record<string, string> = {};
  let last: string | null = null;
  for (const segment of inner.split(',')) {
    const colon = segment.indexOf(':');
    if (colon < 0) {
      // A comma inside a value (an MPN such as `ABC,123`): it belongs to the field before.
      if (last === null) {
        if (segment.trim() === '') continue;
        return {
          ok: false,
          problem: `This looks like ${kind} but '${shown(segment.trim(), 20)}' is not a key:value pair`,
        };
      }
      fields[last] = `${fields[last]},${segment.trim()}`;
      continue;
    }
    const key = segment.slice(0, colon).trim().replace(/^"|"$/g, '');
    const value = segment
      .slice(colon + 1)
      .trim()
      .replace(/^"|"$/g, '');
    if (!/^[A-Za-z][A-Za-z0-9_]{0,30}$/.test(key)) {
      return { ok: false, problem: `This looks like ${kind} but '${shown(key, 20)}' is not a key` };
    }
    if (Object.hasOwn(fields, key)) {
      last = null;
      continue;
    }
    fields[key] = value;
    last = key;
  }
  if (!Object.hasOwn(fields, 'pc') && !Object.hasOwn(fields, 'pm'))
    return { ok: false, problem: `This looks like ${kind} but it has no part number (pc or pm)` };
  const quantity = readQuantity(fields.qty, 'quantity (qty)', kind);
  if (typeof quantity === 'string') return { ok: false, problem: quantity };
  return {
    ok: true,
    code: present({
      format: 'lcsc',
      supplier: 'lcsc',
      mpn: nonEmpty(fields.pm),
      supplierPart: nonEmpty(fields.pc),
      quantity,
      salesOrder: nonEmpty(fields.on),
      fields,
      canonical: `{${Object.entries(fields)
        .map(([k, v]) => `${k}:${v}`)
        .join(',')}}`,
    }),
  };
}

/** Whether `text` is one of buildtrace's own labels: an ID code, or a `…/id/<code>` address. */
function isBuildtraceLabel(text: string): boolean {
  if (parseIdCode(text).ok) return true;
  const id = /\/id\/([0-9A-Za-z-]{10,14})\/?(?:[?#].*)?$/.exec(text);
  return id !== null && parseIdCode(id[1]!).ok;
}

/**
 * Reads what a scanner read from a supplier's bag: an ISO/IEC 15434 format 06 code (DigiKey,
 * Mouser …) with or without substitutes for its control characters, or an LCSC QR code. Never
 * throws; a scan that is neither says why, in a sentence for the technician.
 */
export function parseSupplierCode(text: string): ParsedSupplierCode {
  if (text.length > MAX_SCAN_LENGTH) {
    return {
      ok: false,
      problem: `This scan has ${text.length} characters, more than a supplier's code holds (${MAX_SCAN_LENGTH}): scan the bag again`,
    };
  }
  const trimmed = text.replace(/^[\s]+|[\s]+$/g, '');
  if (trimmed === '') return { ok: false, problem: "The scan is empty: scan the code on the supplier's bag" };
  if (/^\[\)>/.test(trimmed)) return parseIso15434(trimmed);
  if (trimmed.startsWith('{') && trimmed.endsWith('}')) return parseLcsc(trimmed);
  if (isBuildtraceLabel(trimmed)) {
    return {
      ok: false,
      problem: "This is a buildtrace label, not a supplier's code: scan the code on the supplier's bag",
    };
  }
  if (/^\(01\)\d{14}/.test(trimmed) || /^01\d{14}/.test(trimmed.replace(GS, ''))) {
    return {
      ok: false,
      problem:
        "This is a GS1 product code (a GTIN), not a supplier's bag code: scan the code on the bag's label",
    };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) {
    return {
      ok: false,
      problem: `This is a web address (${shown(trimmed)}), not a supplier's code: ${NOT_SUPPLIER}`,
    };
  }
  return {
    ok: false,
    problem: `This does not look like a supplier's code ('${shown(trimmed)}'): ${NOT_SUPPLIER}`,
  };
}
