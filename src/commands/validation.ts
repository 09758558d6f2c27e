import { z } from 'zod';
import { SERIAL_LIST_PATTERN } from '../domain/builds.ts';
import { ValidationError, type FieldProblem } from '../domain/errors.ts';
import { ID_CODE_SHAPE_PATTERN } from '../domain/id-code.ts';
import { CURSOR_PATTERN } from '../domain/page.ts';
import { gtinProblem } from '../domain/gs1.ts';

function fieldOf(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

/** Turns zod's issues into field problems a person can act on. */
export function toFieldProblems(error: z.ZodError, prefix = ''): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const at = (path: readonly PropertyKey[]) => {
    const f = fieldOf(path);
    return prefix ? (f ? `${prefix}.${f}` : prefix) : f || '(body)';
  };
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        problems.push({ field: at([...issue.path, key]), message: 'is not a known field' });
      continue;
    }
    let message = issue.message;
    if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) message = 'is required';
    else if (issue.code === 'invalid_type') message = message.replace(/^Invalid input: /, '');
    problems.push({ field: at(issue.path), message });
  }
  return problems;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Text the store cannot keep, anywhere in an input (values and keys): NUL (PostgreSQL refuses it in
 * text and JSON), unpaired UTF-16 surrogates (they would be written as U+FFFD), and `__proto__` keys
 * (a JavaScript object cannot hold one as data; it would be dropped without a word).
 */
export function unstorableText(input: unknown, prefix = ''): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const at = (path: string) => (prefix ? (path ? `${prefix}.${path}` : prefix) : path || '(body)');
  const textProblem = (text: string) =>
    text.includes('\u0000')
      ? 'must not contain the NUL character (U+0000)'
      : LONE_SURROGATE.test(text)
        ? 'must be valid Unicode (it holds an unpaired surrogate)'
        : undefined;
  const visit = (value: unknown, path: string, depth: number) => {
    if (problems.length >= 20 || depth > 64) return;
    if (typeof value === 'string') {
      const problem = textProblem(value);
      if (problem) problems.push({ field: at(path), message: problem });
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => visit(item, path ? `${path}.${i}` : String(i), depth + 1));
    } else if (typeof value === 'object' && value !== null) {
      for (const key of Object.keys(value)) {
        const keyPath = path ? `${path}.${key}` : key;
        const problem =
          key === '__proto__' ? 'is not a key that can be stored (__proto__)' : textProblem(key);
        if (problem)
          problems.push({ field: at(keyPath), message: problem.replace(/^must/, 'as a key must') });
        else visit((value as Record<string, unknown>)[key], keyPath, depth + 1);
      }
    }
  };
  visit(input, '', 0);
  return problems;
}

/** Parses untrusted input with a schema; a mismatch becomes a ValidationError naming the fields. */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown, prefix = ''): z.output<S> {
  const unstorable = unstorableText(input, prefix);
  if (unstorable.length > 0) throw new ValidationError(unstorable);
  const result = schema.safeParse(input);
  if (!result.success) throw new ValidationError(toFieldProblems(result.error, prefix));
  return result.data;
}

// Shared field schemas: one definition of what a quantity, a name or an ID code reference is.
export const idCodeRef = z
  .string()
  .min(1)
  .max(40)
  .meta({ pattern: ID_CODE_SHAPE_PATTERN })
  .describe(
    'An ID code (any case; O/0 and I/L/1 confusions and hyphens are accepted; the last character is a check character)',
  );
/**
 * A lot or device: its ID code, or — for a device — the formatted serial printed largest on its
 * label (`findLot` resolves both; a reference that is neither is a 400 naming the field).
 */
export const lotRef = z
  .string()
  .min(1)
  .max(100)
  .describe(
    "An ID code (any case; O/0 and I/L/1 confusions and hyphens are accepted; the last character is a check character), or a device's formatted serial as printed on its label (any case)",
  );
/**
 * Text that must say something: trimmed, with at least one character that is not whitespace. The
 * document carries the rule as `pattern: \S` (JavaScript's `trim` and `\s` agree on whitespace).
 */
export const text = (max: number) =>
  z.string().trim().min(1, 'must not be empty or only whitespace').max(max).meta({ pattern: '\\S' });
export const name = text(200);
export const optionalText = (max = 2000) => z.string().trim().max(max).nullish();
/**
 * A GTIN as typed (GTIN-8, -12, -13 or -14, its check digit right); commands keep it as GTIN-14
 * (`normalizeGtin`). Null clears it.
 */
export const gtinInput = z
  .string()
  .trim()
  .regex(/^(\d{8}|\d{12,14})$/, { error: 'must be a GTIN: 8, 12, 13 or 14 digits', abort: true })
  .refine((v) => gtinProblem(v) === null, { error: (issue) => gtinProblem(String(issue.input)) ?? '' })
  .nullish()
  .describe('GTIN-8, -12, -13 or -14 (kept and shown as GTIN-14); null clears it');
export const quantity = z.int().positive().max(1_000_000_000);
/** A numeric id in a path (`/labels/{id}`): digits from the URL, a number from JSON. */
export const numericId = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
/** A key of `fields`: what a JSON object (and PostgreSQL's jsonb) can keep. */
const fieldKey = z
  .string()
  .min(1)
  .max(100)
  .meta({ not: { const: '__proto__' } });
export const fields = z
  .record(fieldKey, z.union([z.string().max(2000), z.number(), z.boolean(), z.null()]))
  .refine((r) => Object.keys(r).length <= 100, { message: 'at most 100 fields' })
  .meta({ maxProperties: 100 });
/**
 * Serials as text: serials and ranges separated by commas, e.g. `1-20,25` (each within the build's
 * quantity, a range's end not before its start). The one grammar every request naming serials takes.
 */
export const serialList = z
  .string()
  .max(2000)
  .regex(new RegExp(SERIAL_LIST_PATTERN), 'must be serials or ranges like 1-20,25')
  .describe('serials and ranges, e.g. "1-20,25"');
export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z
    .string()
    .max(200)
    .regex(new RegExp(CURSOR_PATTERN), 'is not a cursor this API issued')
    .optional()
    .describe('`nextCursor` of the previous page'),
});
export type PageQuery = z.output<typeof pageQuery>;

/** A yes/no input that arrives as JSON (`true`) or in a query string (`"true"`): both are taken. */
export const flag = z
  .union([z.boolean(), z.enum(['true', 'false'])])
  .transform((v) => v === true || v === 'true');
