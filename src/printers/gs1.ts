/**
 * GS1 element strings as printers need them: the bracketed text a label carries
 * (`(01)09501101530003(21)42`) parsed into elements, and the element string a GS1 DataMatrix encodes
 * (FNC1 first, FNC1 after every variable-length element that is not the last). Shared by the printer
 * drivers; the FNC1 is written the way the printer language spells it.
 */
import { ValidationError } from '../domain/errors.ts';

export interface Gs1Element {
  /** Application identifier, 2 to 4 digits, e.g. `01`, `21`, `3103`. */
  ai: string;
  value: string;
}

/**
 * Application identifiers whose data has a predefined length (GS1 General Specifications, figure
 * 7.8.5-2), by their first two digits: they need no separator after them. Every other AI is variable
 * length and ends with FNC1 when another element follows.
 */
const PREDEFINED_LENGTH: Readonly<Record<string, number>> = {
  '00': 18,
  '01': 14,
  '02': 14,
  '03': 14,
  '04': 16,
  '11': 6,
  '12': 6,
  '13': 6,
  '14': 6,
  '15': 6,
  '16': 6,
  '17': 6,
  '18': 6,
  '19': 6,
  '20': 2,
  '31': 6,
  '32': 6,
  '33': 6,
  '34': 6,
  '35': 6,
  '36': 6,
  '41': 13,
};

/** GS1 AI encodable character set 82: what element data may hold. */
const CSET82 = /^[!"%&'()*+,\-./0-9:;<=>?A-Z_a-z]+$/;

/** AIs of four digits (GS1 uses 2-, 3- and 4-digit AIs; these prefixes are 4 digits long). */
function aiDigits(ai: string): number {
  const p = ai.slice(0, 2);
  if (['23', '31', '32', '33', '34', '35', '36', '39', '70', '72', '80', '81', '82'].includes(p)) return 4;
  if (['24', '25', '40', '41', '42', '71'].includes(p)) return 3;
  return ai.slice(0, 3) === '703' ? 4 : 2;
}

/** Length of the AI's data when GS1 fixes it, else undefined. */
export function predefinedLength(ai: string): number | undefined {
  return PREDEFINED_LENGTH[ai.slice(0, 2)];
}

/**
 * Parses a bracketed element string (`(01)09501101530003(11)261207(21)42`). `field` names the input
 * in the ValidationError thrown for anything that is not one.
 */
export function parseGs1(text: string, field = 'gs1'): Gs1Element[] {
  const elements: Gs1Element[] = [];
  const pattern = /\((\d{2,4})\)([^()]+)/y;
  let at = 0;
  while (at < text.length) {
    pattern.lastIndex = at;
    const match = pattern.exec(text);
    if (!match)
      throw ValidationError.field(field, `not a bracketed GS1 element string at character ${at + 1}`);
    const ai = match[1]!;
    const value = match[2]!;
    if (ai.length !== aiDigits(ai)) {
      throw ValidationError.field(field, `(${ai}) is not a GS1 application identifier`);
    }
    if (!CSET82.test(value)) {
      throw ValidationError.field(field, `(${ai}) holds characters GS1 does not allow (set 82)`);
    }
    const fixed = predefinedLength(ai);
    if (fixed !== undefined && value.length !== fixed) {
      throw ValidationError.field(field, `(${ai}) takes ${fixed} characters, got ${value.length}`);
    }
    if (fixed === undefined && value.length > 90) {
      throw ValidationError.field(field, `(${ai}) is longer than 90 characters`);
    }
    elements.push({ ai, value });
    at = pattern.lastIndex;
  }
  if (elements.length === 0) throw ValidationError.field(field, 'must hold at least one GS1 element');
  return elements;
}

/**
 * The element string a GS1 symbol encodes, with `fnc1` (the printer language's spelling of FNC1)
 * first and after each variable-length element that another follows.
 */
export function gs1ElementString(elements: readonly Gs1Element[], fnc1: string): string {
  let out = fnc1;
  elements.forEach(({ ai, value }, i) => {
    out += ai + value;
    if (i < elements.length - 1 && predefinedLength(ai) === undefined) out += fnc1;
  });
  return out;
}

/** The bracketed text printed under a GS1 code, e.g. `(01)09501101530003(21)42`. */
export function gs1Text(elements: readonly Gs1Element[]): string {
  return elements.map(({ ai, value }) => `(${ai})${value}`).join('');
}
