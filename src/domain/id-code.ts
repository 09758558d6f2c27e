/**
 * ID codes: the short, scannable identifiers printed on labels.
 *
 * Format: 10 characters of Crockford base32 (`0-9 A-Z` without `I L O U`). The first nine carry
 * 45 bits, the tenth is a check character chosen so that the weighted sum
 * `Σ α^i · value(c_i)` over GF(32) is zero. Because every weight is a distinct non-zero power of a
 * primitive element, any single substituted character changes the sum by `α^i · e ≠ 0`, and
 * swapping two different adjacent characters changes it by `α^i · (a⊕b) · (1⊕α) ≠ 0` — both are
 * always detected, including errors in the check character itself.
 *
 * The 45 data bits are a keyed permutation (an unbalanced Feistel network) of a counter, so codes
 * are unique by construction (no collision retries), and without the installation's key they say
 * nothing about how many objects exist or in which order they were made.
 */

export const ID_CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const ID_CODE_LENGTH = 10;
/**
 * The shape {@link parseIdCode} takes, as a pattern (for the API document): ten characters of the
 * alphabet in any case, with `O`, `I`, `L` for `0`, `1`, `1`, spaces and hyphens anywhere. The last
 * is a check character, which a pattern cannot verify.
 */
export const ID_CODE_SHAPE_PATTERN = '^[\\s-]*(?:[0-9A-TV-Za-tv-z][\\s-]*){10}$';
const DATA_LENGTH = ID_CODE_LENGTH - 1;
const DATA_BITS = DATA_LENGTH * 5; // 45
/** Largest counter value a code can carry (exclusive). */
export const ID_CODE_SPACE = 2 ** DATA_BITS;

const HIGH_BITS = 23;
const LOW_BITS = DATA_BITS - HIGH_BITS; // 22
const HIGH_MASK = 2 ** HIGH_BITS - 1;
const LOW_MASK = 2 ** LOW_BITS - 1;
const ROUNDS = 6;

const VALUE_OF = new Int8Array(128).fill(-1);
for (let i = 0; i < ID_CODE_ALPHABET.length; i++) {
  const upper = ID_CODE_ALPHABET.charCodeAt(i);
  VALUE_OF[upper] = i;
  const lower = ID_CODE_ALPHABET.toLowerCase().charCodeAt(i);
  VALUE_OF[lower] = i;
}
// The usual confusions when a person reads a code aloud or types it from a label.
for (const [from, to] of [
  ['O', '0'],
  ['o', '0'],
  ['I', '1'],
  ['i', '1'],
  ['L', '1'],
  ['l', '1'],
] as const) {
  VALUE_OF[from.charCodeAt(0)] = VALUE_OF[to.charCodeAt(0)]!;
}

// GF(32) with the primitive polynomial x^5 + x^2 + 1; α = x (= 2).
const GF_EXP = new Uint8Array(62);
const GF_LOG = new Uint8Array(32);
{
  let x = 1;
  for (let i = 0; i < 31; i++) {
    GF_EXP[i] = x;
    GF_EXP[i + 31] = x;
    GF_LOG[x] = i;
    x <<= 1;
    if (x & 32) x ^= 0b100101;
  }
}
function gfMul(a: number, b: number): number {
  if (a === 0 || b === 0) return 0;
  return GF_EXP[GF_LOG[a]! + GF_LOG[b]!]!;
}
/** α^i for the positions 0..9. */
const WEIGHTS = Array.from({ length: ID_CODE_LENGTH }, (_, i) => GF_EXP[i]!);
const CHECK_WEIGHT_INVERSE = GF_EXP[31 - DATA_LENGTH]!; // α^-9

function checkValue(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < DATA_LENGTH; i++) sum ^= gfMul(WEIGHTS[i]!, values[i]!);
  return gfMul(sum, CHECK_WEIGHT_INVERSE);
}

export type IdCodeProblem = 'length' | 'character' | 'check';

export type ParsedIdCode =
  { ok: true; code: string } | { ok: false; problem: IdCodeProblem; message: string };

/**
 * Normalizes what a person typed or a scanner read (any case, `O`→`0`, `I`/`L`→`1`, spaces and
 * hyphens ignored) and verifies the check character.
 */
export function parseIdCode(input: string): ParsedIdCode {
  const compact = input.replace(/[\s-]/g, '');
  if (compact.length !== ID_CODE_LENGTH) {
    return {
      ok: false,
      problem: 'length',
      message: `an ID code has ${ID_CODE_LENGTH} characters, this has ${compact.length}`,
    };
  }
  const values = new Array<number>(ID_CODE_LENGTH);
  for (let i = 0; i < ID_CODE_LENGTH; i++) {
    const c = compact.charCodeAt(i);
    const v = c < 128 ? VALUE_OF[c]! : -1;
    if (v < 0) {
      return {
        ok: false,
        problem: 'character',
        message: `character ${i + 1} ('${compact[i]}') is not used in ID codes`,
      };
    }
    values[i] = v;
  }
  let sum = 0;
  for (let i = 0; i < ID_CODE_LENGTH; i++) sum ^= gfMul(WEIGHTS[i]!, values[i]!);
  if (sum !== 0) {
    return {
      ok: false,
      problem: 'check',
      message: 'the check character does not match: a character is probably mistyped or two are swapped',
    };
  }
  return { ok: true, code: values.map((v) => ID_CODE_ALPHABET[v]).join('') };
}

/** Encodes 45 bits (0 ≤ n < 2^45) as nine data characters plus the check character. */
export function encodeIdCode(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0 || n >= ID_CODE_SPACE) throw new RangeError(`cannot encode ${n}`);
  const values = new Array<number>(ID_CODE_LENGTH);
  let rest = n;
  for (let i = DATA_LENGTH - 1; i >= 0; i--) {
    values[i] = rest % 32;
    rest = Math.floor(rest / 32);
  }
  values[DATA_LENGTH] = checkValue(values);
  let out = '';
  for (const v of values) out += ID_CODE_ALPHABET[v];
  return out;
}

function roundFunction(x: number, key: number): number {
  let h = Math.imul(x ^ key, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h ^ (key >>> 7), 0x27d4eb2d);
  return (h ^ (h >>> 15)) >>> 0;
}

/**
 * Turns counter values into ID codes with a secret, installation-wide key. The mapping is a
 * bijection on [0, 2^45), so distinct counter values always give distinct codes.
 */
export class IdCodeGenerator {
  readonly #roundKeys: Uint32Array;

  /** @param key at least 24 bytes of secret, random key material (kept in the database). */
  constructor(key: Uint8Array) {
    if (key.length < ROUNDS * 4) throw new RangeError(`an ID code key needs ${ROUNDS * 4} bytes`);
    this.#roundKeys = new Uint32Array(ROUNDS);
    const view = new DataView(key.buffer, key.byteOffset, key.byteLength);
    for (let r = 0; r < ROUNDS; r++) this.#roundKeys[r] = view.getUint32(r * 4);
  }

  /** The permuted 45-bit value for a counter value. */
  permute(counter: number): number {
    if (!Number.isSafeInteger(counter) || counter < 0 || counter >= ID_CODE_SPACE) {
      throw new RangeError(`ID code counter out of range: ${counter}`);
    }
    let high = Math.floor(counter / 2 ** LOW_BITS);
    let low = counter % 2 ** LOW_BITS;
    for (let r = 0; r < ROUNDS; r++) {
      if (r % 2 === 0) high = (high ^ roundFunction(low, this.#roundKeys[r]!)) & HIGH_MASK;
      else low = (low ^ roundFunction(high, this.#roundKeys[r]!)) & LOW_MASK;
    }
    return high * 2 ** LOW_BITS + low;
  }

  /** The ID code for a counter value. */
  codeFor(counter: number): string {
    return encodeIdCode(this.permute(counter));
  }
}
