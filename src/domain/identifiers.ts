/**
 * External identifiers of a device: the numbers other systems know it by — a MAC address, an IMEI,
 * a SIM's ICCID, a Bluetooth address, a customer's asset tag …
 *
 * Glossary
 * - **identifier**: one (kind, value) pair given to one device. A value is kept as normalized, so
 *   that the same number typed two ways is one identifier; no two devices share one (kind, value).
 * - **identifier kind**: a lowercase slug (`mac`, `imei`, `iccid`, `ble`, `asset_tag` …). The four
 *   well-known kinds have a format and are normalized by it; any other kind takes trimmed printable
 *   text of 1–100 characters, kept as typed.
 * - **MAC / BLE address**: six bytes, accepted as `aa:bb:cc:dd:ee:ff`, `aa-bb-cc-dd-ee-ff`,
 *   `aabb.ccdd.eeff` or `aabbccddeeff` (any case) and kept as `AA:BB:CC:DD:EE:FF`.
 * - **IMEI**: 15 digits, the last a Luhn check digit (spaces and hyphens between digits ignored).
 * - **ICCID**: 19 or 20 digits, the last a Luhn check digit.
 *
 * Pure: formats and the guesses search makes; nothing here reads storage.
 */

/** What an identifier kind may look like. */
export const IDENTIFIER_KIND_PATTERN = '^[a-z][a-z0-9_-]{0,29}$';

/** The kinds that have a format of their own; any other slug is free text. */
export const FORMATTED_IDENTIFIER_KINDS = ['mac', 'ble', 'imei', 'iccid'] as const;

/** An identifier as stored: the device it belongs to, its kind and normalized value. */
export interface LotIdentifier {
  id: number;
  lotId: number;
  /** The device's ID code. */
  lotCode: string;
  /** The device's formatted serial, when its project has a serial format. */
  serialLabel: string | null;
  kind: string;
  value: string;
  createdAt: Date;
  createdBy: string;
}

export type NormalizedIdentifier = { ok: true; value: string } | { ok: false; message: string };

const MAX_TEXT = 100;

/** The Luhn check digit for `body` (digits, without the check digit). */
export function luhnCheckDigit(body: string): number {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    // From the right, every second digit of the body (starting with the last) is doubled.
    let d = body.charCodeAt(body.length - 1 - i) - 48;
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

const MAC_FORMS = [
  /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i,
  /^[0-9a-f]{2}(-[0-9a-f]{2}){5}$/i,
  /^[0-9a-f]{4}(\.[0-9a-f]{4}){2}$/i,
  /^[0-9a-f]{12}$/i,
];

function hardwareAddress(name: string, raw: string): NormalizedIdentifier {
  const text = raw.trim();
  if (MAC_FORMS.some((form) => form.test(text))) {
    const hex = text.replace(/[:.-]/g, '').toUpperCase();
    return { ok: true, value: hex.match(/../g)!.join(':') };
  }
  const stray = /[^0-9a-f:.\-\s]/i.exec(text);
  if (stray) return { ok: false, message: `'${stray[0]}' is not a hex digit: ${name} has hex digits only` };
  const digits = text.replace(/[^0-9a-f]/gi, '').length;
  if (digits !== 12) return { ok: false, message: `${name} has 12 hex digits (6 bytes), this has ${digits}` };
  return {
    ok: false,
    message: `write ${name} as aa:bb:cc:dd:ee:ff, aa-bb-cc-dd-ee-ff, aabb.ccdd.eeff or aabbccddeeff`,
  };
}

/** Digits with the spaces and hyphens people group them with taken out; null when other characters remain. */
function digitsOf(raw: string): string | null {
  const compact = raw.trim().replace(/[\s-]/g, '');
  return /^\d*$/.test(compact) ? compact : null;
}

function imei(raw: string): NormalizedIdentifier {
  const digits = digitsOf(raw);
  if (digits === null) return { ok: false, message: 'an IMEI has digits only' };
  if (digits.length === 14)
    return {
      ok: false,
      message: `an IMEI has 15 digits; this has 14: the check digit is missing (it would be ${luhnCheckDigit(digits)})`,
    };
  if (digits.length !== 15) return { ok: false, message: `an IMEI has 15 digits, this has ${digits.length}` };
  return luhnChecked('IMEI', digits);
}

function iccid(raw: string): NormalizedIdentifier {
  const digits = digitsOf(raw);
  if (digits === null) return { ok: false, message: 'an ICCID has digits only' };
  if (digits.length < 19 || digits.length > 20)
    return { ok: false, message: `an ICCID has 19 or 20 digits, this has ${digits.length}` };
  return luhnChecked('ICCID', digits);
}

function luhnChecked(name: string, digits: string): NormalizedIdentifier {
  const expected = luhnCheckDigit(digits.slice(0, -1));
  if (expected !== Number(digits.at(-1)))
    return {
      ok: false,
      message: `the ${name}'s check digit does not match (expected ${expected}): a digit is probably mistyped`,
    };
  return { ok: true, value: digits };
}

// Control, format, private-use and unassigned characters, and lone surrogates: not printable.
const UNPRINTABLE = /\p{C}/u;

function freeText(raw: string): NormalizedIdentifier {
  const text = raw.trim();
  const length = [...text].length;
  if (length === 0) return { ok: false, message: 'must not be empty or only whitespace' };
  if (length > MAX_TEXT)
    return { ok: false, message: `has at most ${MAX_TEXT} characters, this has ${length}` };
  if (UNPRINTABLE.test(text)) return { ok: false, message: 'must be printable text (no control characters)' };
  return { ok: true, value: text };
}

/** Whether `kind` is a valid identifier kind (a lowercase slug). */
export const isIdentifierKind = (kind: string) => new RegExp(IDENTIFIER_KIND_PATTERN).test(kind);

/** The value of an identifier of `kind` as kept, or why it cannot be one. */
export function normalizeIdentifier(kind: string, raw: string): NormalizedIdentifier {
  switch (kind) {
    case 'mac':
      return hardwareAddress('a MAC address', raw);
    case 'ble':
      return hardwareAddress('a Bluetooth address', raw);
    case 'imei':
      return imei(raw);
    case 'iccid':
      return iccid(raw);
    default:
      return freeText(raw);
  }
}

/** One way search looks for an identifier: this value among these kinds (null: any kind). */
export interface IdentifierLookup {
  kinds: string[] | null;
  value: string;
}

/**
 * What text typed into search may be as an identifier: a MAC-shaped text is a MAC or Bluetooth
 * address, 15 digits an IMEI, 19–20 digits an ICCID; and in any case the text as typed is the value
 * of an identifier of any kind (an asset tag may look like anything).
 */
export function identifierLookups(q: string): IdentifierLookup[] {
  const lookups: IdentifierLookup[] = [];
  const mac = normalizeIdentifier('mac', q);
  if (mac.ok) lookups.push({ kinds: ['mac', 'ble'], value: mac.value });
  const digits = digitsOf(q);
  if (digits?.length === 15) lookups.push({ kinds: ['imei'], value: digits });
  if (digits !== null && digits.length >= 19 && digits.length <= 20)
    lookups.push({ kinds: ['iccid'], value: digits });
  const text = freeText(q);
  if (text.ok) lookups.push({ kinds: null, value: text.value });
  return lookups;
}

/** The kind a scanned identifier is, when its shape tells (MAC, IMEI, ICCID); null when it does not. */
export function guessIdentifierKind(raw: string): 'mac' | 'imei' | 'iccid' | null {
  if (normalizeIdentifier('mac', raw).ok) return 'mac';
  const digits = digitsOf(raw);
  if (digits?.length === 15) return 'imei';
  if (digits !== null && digits.length >= 19 && digits.length <= 20) return 'iccid';
  return null;
}
