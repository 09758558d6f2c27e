/**
 * The words of slash command text, shared by the command parsers (src/domain/slack-commands.ts,
 * src/domain/slack-printer-commands.ts): quoting, Slack's escaping, excerpts, ID codes and serial
 * ranges. Pure.
 */
import { parseIdCode } from './id-code.ts';

/** A request, or what was wrong with the text (`problem` is empty when only help was asked for). */
export type Parsed<T> = { ok: true; request: T } | { ok: false; problem: string; usage: string };

/** The most of the person's own text an answer repeats. */
export const EXCERPT_MAX = 40;

/** A short excerpt of what was typed: an answer never repeats more than {@link EXCERPT_MAX} characters of it. */
export function excerpt(text: string, max = EXCERPT_MAX): string {
  const chars = [...text];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : text;
}

/** Checks serial ranges run from low to high; answers the problem, or null. */
export function rangeProblem(serials: string | undefined): string | null {
  for (const range of serials?.split(',') ?? []) {
    const [first, last = first] = range.split('-').map(Number) as [number, number?];
    if (first < 1 || last < first) return `serials ${range} is not a range from low to high`;
  }
  return null;
}

/** Serials as the API takes them: a serial, a range, or a list of both (`1-20,25`). */
export const SERIAL_LIST = /^\d{1,7}(-\d{1,7})?(,\d{1,7}(-\d{1,7})?){0,99}$/;

/** Splits command text into words; "double" or 'single' quotes keep spaces inside one word. */
export function tokenize(text: string): string[] {
  const decoded = text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/[\u201C\u201D\u201E]/g, '"')
    .replace(/[\u2018\u2019]/g, "'");
  const tokens: string[] = [];
  for (const m of decoded.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) {
    const token = (m[1] ?? m[2] ?? m[3] ?? '').trim();
    if (token) tokens.push(token);
  }
  return tokens;
}

export const isHelp = (tokens: string[]) => tokens.length === 0 || /^(help|\?|-h|--help)$/i.test(tokens[0]!);

export function code(
  word: string | undefined,
  what: string,
): { ok: true; code: string } | { ok: false; problem: string } {
  if (!word) return { ok: false, problem: `name the ${what} by its ID code` };
  const parsed = parseIdCode(word);
  return parsed.ok
    ? { ok: true, code: parsed.code }
    : { ok: false, problem: `'${excerpt(word)}' is not a ${what} ID code: ${parsed.message}` };
}
