import { NotFoundError, ValidationError } from '../domain/errors.ts';
import { parseIdCode } from '../domain/id-code.ts';
import type { Lot } from '../domain/types.ts';
import type { Repositories } from './ports.ts';

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

/**
 * Finds a lot by the reference given in `field`: its ID code, or — for a device — the formatted
 * serial printed largest on its label (any case). A formatted serial two parts share is refused
 * naming the devices; a reference that is neither is a 400 (not an ID code) or a 404.
 */
export async function findLot(
  repos: Repositories,
  field: string,
  input: string,
  options: { lock?: boolean } = {},
): Promise<Lot> {
  const parsed = parseIdCode(input);
  if (parsed.ok) {
    const lot = await repos.lots.findByCode(parsed.code, options);
    if (lot) return lot;
  }
  const devices = await repos.lots.findBySerialLabel(input.trim(), options);
  if (devices.length === 1) return devices[0]!;
  if (devices.length > 1) throw sharedSerial(field, input, devices);
  if (!parsed.ok)
    throw ValidationError.field(
      field,
      `'${input}' is neither a valid ID code (${parsed.message}) nor the formatted serial of a device`,
    );
  throw new NotFoundError('lot', parsed.code, `${field}: lot ${parsed.code} does not exist`, field);
}

/** The refusal of a formatted serial that devices of several parts share: it names them. */
export function sharedSerial(field: string, input: string, devices: Lot[]): ValidationError {
  return new ValidationError(
    [
      {
        field,
        message: `'${input}' is the formatted serial of ${devices.length} devices (${devices
          .map((d) => `${d.code}, a ${d.partCode}`)
          .join('; ')}): give the device's ID code`,
      },
    ],
    { devices: devices.map((d) => ({ code: d.code, part: d.partCode, build: d.buildCode })) },
  );
}
