/**
 * GS1 identification for devices (UDI): GTINs and the element strings a GS1 DataMatrix carries.
 *
 * Glossary
 * - **GTIN**: Global Trade Item Number, the product's identity (the UDI's device identifier). Issued
 *   as GTIN-8, -12, -13 or -14; the last digit is a mod-10 check digit. Kept and printed as GTIN-14
 *   (left-padded with zeros), the form AI (01) takes, so the same product never counts as two.
 * - **AI**: an application identifier, the 2-digit prefix saying what a data field is. buildtrace
 *   prints four: (01) GTIN, (11) production date `YYMMDD`, (21) serial number, (10) lot — the
 *   UDI's device identifier and production identifiers.
 * - **element string**: AIs and their data in one string. The bracketed form
 *   `(01)09501101530003(11)261207(21)42(10)7K3M9Q2R4T` is what people read (and the label's
 *   human-readable interpretation); the symbol carries FNC1 first and, after a variable-length
 *   field that is not last, FNC1 again as a separator (transmitted by scanners as GS, U+001D).
 * - **CSET 82**: the 82 characters GS1 allows in alphanumeric fields such as (21) and (10): digits,
 *   upper and lower case letters and `! " % & ' ( ) * + , - . / : ; < = > ? _`. No space.
 */
import { ValidationError, type FieldProblem } from './errors.ts';

/** The AIs buildtrace prints, in the order it prints them; `length` for fixed-length AIs. */
export const GS1_AIS = {
  '01': { name: 'GTIN', length: 14 },
  '11': { name: 'production date', length: 6 },
  '21': { name: 'serial number', max: 20 },
  '10': { name: 'lot', max: 20 },
} as const;
export type Gs1Ai = keyof typeof GS1_AIS;

/** The GS1 separator: FNC1 between fields, as a scanner transmits it. */
export const GS = '\u001d';

/**
 * CSET 82 without the parentheses: GS1 allows `(` and `)` in a serial or lot, but in the bracketed
 * form they would read as the start of another AI (to a person and to the symbol encoder), so
 * buildtrace refuses them rather than print an ambiguous label.
 */
const CSET82_UNBRACKETED = /^[!"%&'*+,\-./0-9:;<=>?A-Z_a-z]+$/;

/** The check digit of a GTIN's leading digits: weights 3, 1, 3 … from the right, mod 10. */
export function gtinCheckDigit(body: string): number {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    const digit = body.charCodeAt(body.length - 1 - i) - 48;
    sum += digit * (i % 2 === 0 ? 3 : 1);
  }
  return (10 - (sum % 10)) % 10;
}

/** What is wrong with a GTIN as typed, or null when it is one. */
export function gtinProblem(gtin: string): string | null {
  if (!/^\d+$/.test(gtin)) return 'must be digits only (a GTIN-8, -12, -13 or -14)';
  if (![8, 12, 13, 14].includes(gtin.length))
    return `must have 8, 12, 13 or 14 digits (a GTIN-8, -12, -13 or -14), not ${gtin.length}`;
  const expected = gtinCheckDigit(gtin.slice(0, -1));
  if (Number(gtin.at(-1)) !== expected)
    return `has a wrong check digit: its last digit must be ${expected} for the digits before it (a typo?)`;
  return null;
}

/** The GTIN as GTIN-14; throws a ValidationError naming `field` when it is not a valid GTIN. */
export function normalizeGtin(gtin: string, field = 'gtin'): string {
  const problem = gtinProblem(gtin);
  if (problem) throw ValidationError.field(field, problem);
  return gtin.padStart(14, '0');
}

/** What is wrong with a serial or lot as GS1 data (AI 21 or 10), or null. */
export function gs1TextProblem(value: string, ai: '21' | '10'): string | null {
  const { max, name } = GS1_AIS[ai];
  if (value.length === 0) return `is empty: a GS1 ${name} (AI ${ai}) needs 1 to ${max} characters`;
  if (value.length > max)
    return `'${value}' has ${value.length} characters: a GS1 ${name} (AI ${ai}) holds at most ${max}`;
  if (!CSET82_UNBRACKETED.test(value))
    return (
      `'${value}' holds a character a GS1 ${name} (AI ${ai}) cannot carry: only letters, digits and ` +
      `! " % & ' * + , - . / : ; < = > ? _ (GS1 character set 82; no spaces, no parentheses)`
    );
  return null;
}

/** One AI and its data. */
export interface Gs1Element {
  ai: Gs1Ai;
  data: string;
}

/**
 * The elements of a device's UDI in print order: (01) GTIN, (11) production date, (21) serial,
 * (10) lot; the date, serial and lot only when given. Throws a ValidationError naming the input's
 * fields (`gtin`, `productionDate`, `serial`, `lot`) with what GS1 allows.
 */
export function gs1Elements(input: {
  gtin: string;
  /** `YYYY-MM-DD` (years 2000–2099 only: AI 11 has two year digits). */
  productionDate?: string | undefined;
  serial?: string | undefined;
  lot?: string | undefined;
}): Gs1Element[] {
  const problems: FieldProblem[] = [];
  const gtinIssue = gtinProblem(input.gtin);
  if (gtinIssue) problems.push({ field: 'gtin', message: gtinIssue });
  const elements: Gs1Element[] = [{ ai: '01', data: input.gtin.padStart(14, '0') }];
  if (input.productionDate !== undefined) {
    const m = /^20(\d{2})-(\d{2})-(\d{2})$/.exec(input.productionDate);
    const day = m ? new Date(`${input.productionDate}T00:00:00Z`) : null;
    // A calendar day (no 30 February): the parsed date must read back as the text.
    const valid =
      day !== null && !Number.isNaN(day.getTime()) && day.toISOString().startsWith(input.productionDate);
    if (m && valid) elements.push({ ai: '11', data: `${m[1]}${m[2]}${m[3]}` });
    else problems.push({ field: 'productionDate', message: 'must be a date YYYY-MM-DD from 2000 to 2099' });
  }
  for (const [field, ai] of [
    ['serial', '21'],
    ['lot', '10'],
  ] as const) {
    const value = input[field];
    if (value === undefined) continue;
    const problem = gs1TextProblem(value, ai);
    if (problem) problems.push({ field, message: problem });
    else elements.push({ ai, data: value });
  }
  if (problems.length > 0) throw new ValidationError(problems);
  return elements;
}

/** The bracketed element string, e.g. `(01)09501101530003(11)261207(21)42(10)7K3M9Q2R4T`. */
export function gs1ElementString(input: Parameters<typeof gs1Elements>[0]): string {
  return bracketed(gs1Elements(input));
}

export function bracketed(elements: readonly Gs1Element[]): string {
  return elements.map((e) => `(${e.ai})${e.data}`).join('');
}

/**
 * Reads a bracketed element string of the AIs buildtrace prints, checking each field as
 * {@link gs1Elements} does; throws a ValidationError naming `field`.
 */
export function parseGs1(text: string, field = 'gs1'): Gs1Element[] {
  const elements: Gs1Element[] = [];
  const pattern = /\((\d{2})\)([^()]*)/gy;
  let match: RegExpExecArray | null;
  let end = 0;
  while ((match = pattern.exec(text))) {
    const [, ai, data] = match as unknown as [string, string, string];
    end = pattern.lastIndex;
    if (!Object.hasOwn(GS1_AIS, ai))
      throw ValidationError.field(field, `AI (${ai}) is not one buildtrace prints (01, 11, 21, 10)`);
    elements.push({ ai: ai as Gs1Ai, data });
  }
  if (elements.length === 0 || end !== text.length || elements[0]!.ai !== '01')
    throw ValidationError.field(field, 'must be a bracketed GS1 element string starting with (01)');
  const seen = new Set<string>();
  for (const { ai, data } of elements) {
    if (seen.has(ai)) throw ValidationError.field(field, `holds AI (${ai}) twice`);
    seen.add(ai);
    const spec = GS1_AIS[ai];
    const problem =
      ai === '01'
        ? data.length === 14
          ? gtinProblem(data)
          : 'must have 14 digits'
        : ai === '11'
          ? /^\d{2}(0[1-9]|1[0-2])(0\d|[12]\d|3[01])$/.test(data)
            ? null
            : 'must be a date YYMMDD'
          : gs1TextProblem(data, ai);
    if (problem) throw ValidationError.field(field, `(${ai}) ${spec.name} ${problem}`);
  }
  return elements;
}

/**
 * The data a scanner transmits for the element string, after the leading FNC1: fields in order,
 * a GS (FNC1) after every variable-length field that is not the last. For example
 * `010950110153000311261207` `21` `42` GS `10` `7K3M9Q2R4T`.
 */
export function gs1Fnc1String(text: string): string {
  return gs1Encoded(text, GS).slice(GS.length);
}

/**
 * The element string as a symbol encodes it, with `fnc1` (a printer language's spelling of FNC1,
 * e.g. ZPL's `#1` under `^BX…,#`) first and after every variable-length field that is not the last.
 */
export function gs1Encoded(text: string, fnc1: string): string {
  const elements = parseGs1(text);
  return (
    fnc1 +
    elements
      .map((e, i) => {
        const variable = !('length' in GS1_AIS[e.ai]);
        return `${e.ai}${e.data}${variable && i < elements.length - 1 ? fnc1 : ''}`;
      })
      .join('')
  );
}

/** The human-readable interpretation of one AI of the element string, e.g. `(21)42`; '' when absent. */
export function gs1Hri(text: string, ai: Gs1Ai): string {
  const element = parseGs1(text).find((e) => e.ai === ai);
  return element ? `(${element.ai})${element.data}` : '';
}
