/**
 * What a mistyped ID code probably meant. The check character catches every single substitution
 * and every swap of two neighbours, so the codes one such slip away from what was typed are few:
 * exactly one valid code per position for a substitution (ten in all), plus the swaps that happen
 * to be valid. A code one character short or long gives the insertions and deletions that are valid.
 * Callers look the candidates up and offer the ones that exist ("did you mean …").
 */
import { ID_CODE_ALPHABET, ID_CODE_LENGTH, parseIdCode } from './id-code.ts';

/** Most candidates ever returned (substitutions, swaps, insertions or deletions). */
export const MAX_TYPO_CANDIDATES = 40;

/** Upper case, spaces and hyphens removed, O → 0 and I/L → 1; null if a character is not usable. */
function normalize(input: string): string | null {
  const compact = input.replace(/[\s-]/g, '').toUpperCase().replace(/O/g, '0').replace(/[IL]/g, '1');
  for (const c of compact) if (!ID_CODE_ALPHABET.includes(c)) return null;
  return compact;
}

function valid(candidate: string): string | null {
  const parsed = parseIdCode(candidate);
  return parsed.ok ? parsed.code : null;
}

/**
 * Valid ID codes one keying slip away from `input` (a substitution, a swap of neighbours, or — when
 * one character is missing or extra — an insertion or a deletion). Empty when `input` is itself
 * valid, or too far from any code to guess.
 */
export function typoCandidates(input: string): string[] {
  if (input.length > 40 || parseIdCode(input).ok) return [];
  const typed = normalize(input);
  if (typed === null) return [];
  const found = new Set<string>();
  const consider = (candidate: string) => {
    const code = valid(candidate);
    if (code) found.add(code);
  };
  if (typed.length === ID_CODE_LENGTH) {
    for (let i = 0; i < typed.length; i++) {
      for (const c of ID_CODE_ALPHABET) {
        if (c !== typed[i]) consider(typed.slice(0, i) + c + typed.slice(i + 1));
      }
    }
    for (let i = 0; i + 1 < typed.length; i++) {
      if (typed[i] !== typed[i + 1])
        consider(typed.slice(0, i) + typed[i + 1] + typed[i] + typed.slice(i + 2));
    }
  } else if (typed.length === ID_CODE_LENGTH - 1) {
    for (let i = 0; i <= typed.length; i++) {
      for (const c of ID_CODE_ALPHABET) consider(typed.slice(0, i) + c + typed.slice(i));
    }
  } else if (typed.length === ID_CODE_LENGTH + 1) {
    for (let i = 0; i < typed.length; i++) consider(typed.slice(0, i) + typed.slice(i + 1));
  }
  return [...found].slice(0, MAX_TYPO_CANDIDATES);
}

/**
 * Whether a person would take `input` for an ID code: a valid one, or one keying slip from one's
 * shape — a single word of nine to eleven code characters (hyphens aside) in one letter case, with
 * a digit. Such a text is never taken as a new object's name: "MS7P4BZKQF" is a mistyped code far
 * more often than a product called that. Names with spaces, mixed case ("ESP32-Board") or no digit
 * ("Controller") are names.
 */
export function looksLikeIdCode(input: string): boolean {
  const text = input.trim();
  if (parseIdCode(text).ok) return true;
  if (/\s/.test(text) || !/\d/.test(text)) return false;
  if (text !== text.toUpperCase() && text !== text.toLowerCase()) return false;
  return hasIdCodeShape(text);
}

/**
 * Whether `input` is one word of nine to eleven code characters (hyphens aside): the shape a
 * mistyped ID code has, digits or not. Some codes have no digit ("ABCDEFGHJK"): such a text is a
 * typo when a code one slip away exists, which only a lookup can tell.
 */
export function hasIdCodeShape(input: string): boolean {
  const text = input.trim();
  if (/\s/.test(text)) return false;
  const typed = normalize(text);
  return typed !== null && Math.abs(typed.length - ID_CODE_LENGTH) <= 1;
}
