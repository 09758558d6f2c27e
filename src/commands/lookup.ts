import { NotFoundError, ValidationError } from '../domain/errors.ts';
import { parseIdCode } from '../domain/id-code.ts';

/**
 * Normalizes an ID code given in `field`. A code that cannot be one (wrong length or characters, or
 * a failing check character) is a 400 naming the field: the check character tells a typo from an
 * unknown code.
 */
export function normalizeCode(field: string, input: string): string {
  const parsed = parseIdCode(input);
  if (!parsed.ok) throw ValidationError.field(field, `'${input}' is not a valid ID code: ${parsed.message}`);
  return parsed.code;
}

/** Finds an object by the ID code given in `field`, or throws NotFoundError naming its kind. */
export async function findOrFail<T>(
  kind: string,
  field: string,
  input: string,
  find: (code: string) => Promise<T | null>,
): Promise<T> {
  const code = normalizeCode(field, input);
  const found = await find(code);
  if (!found) throw new NotFoundError(kind, code, `${field}: ${kind} ${code} does not exist`, field);
  return found;
}
