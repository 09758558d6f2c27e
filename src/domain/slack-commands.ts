/**
 * The text of buildtrace's slash commands, parsed. Pure: a Slack listener hands over what the person
 * typed and gets back either a request to run or a short usage answer naming what was wrong — bad or
 * incomplete text is answered with usage, never with an error.
 *
 *   /build start <project> <qty> [track] [incomplete] [stages A,B,C]
 *   /build advance <build> [comment] · complete <build> · cancel <build> [reason] · status <build>
 *   /build retry <build>
 *   /build labels <build> [template] [300dpi] [serials 1-50]
 *   /build print <build> [printer name] [serials 1-50]
 *   /lot <ID code> · /lot <build> <serial>
 *   /trace <ID code> [forward|backward]
 *   help (or no text) with any of them
 *
 * A project is named by ID code or by name (quote a name that contains a bare number:
 * `"Board 2000" 10`). Slack sends `&`, `<`, `>` HTML-escaped and may turn quotes into typographic
 * ones; both are undone here.
 */
import { MAX_BUILD_QUANTITY } from './builds.ts';
import { parseIdCode } from './id-code.ts';
import { parsePrint, type PrintRequest } from './slack-printer-commands.ts';
import { SERIAL_LIST, code, excerpt, isHelp, rangeProblem, tokenize, type Parsed } from './slack-words.ts';

export { EXCERPT_MAX, excerpt, tokenize, isHelp, type Parsed } from './slack-words.ts';

export type BuildRequest =
  | {
      kind: 'start';
      project: string;
      quantity: number;
      trackUnits: boolean;
      stages: string[];
      /** `incomplete`: build a project whose BOM import left lines out, knowingly. */
      acceptIncompleteBom?: boolean;
    }
  | { kind: 'advance'; build: string; comment?: string }
  | { kind: 'complete'; build: string; serials?: string }
  | { kind: 'cancel'; build: string; reason?: string }
  | { kind: 'retry'; build: string }
  | { kind: 'status'; build: string }
  | { kind: 'labels'; build: string; template?: string; serials?: string; dpi?: number }
  | PrintRequest
  | { kind: 'help' };

export type LotRequest =
  | { kind: 'lot'; code: string }
  | { kind: 'unit'; build: string; serial: number }
  | { kind: 'serial'; serial: string }
  | { kind: 'help' };

export type TraceRequest =
  { kind: 'trace'; code: string; direction: 'forward' | 'backward' } | { kind: 'help' };

export const BUILD_USAGE = [
  '`/build start <project> <qty> [track] [incomplete] [stages A,B,C]` — start a build of a project (ID code or name); `incomplete` builds a BOM whose import left lines out',
  '`/build advance <build> [comment]` — complete the next stage',
  '`/build complete <build> [serials 1-3,7]` — complete a build, or some of its units',
  '`/build cancel <build> [reason]` — cancel a build (also one that is blocked or still generating)',
  '`/build retry <build>` — continue a blocked build, or run its failed operation again',
  '`/build status <build>` — show a build',
  '`/build labels <build> [template] [300dpi] [serials 1-20,25]` — print labels of its units',
  "`/build print <build> [printer name] [serials 1-20,25]` — print its units' labels on a printer (the project's default printer when none is named)",
].join('\n');
export const LOT_USAGE =
  '`/lot <ID code>`, `/lot <formatted serial>` or `/lot <build> <serial>` — show a lot or device with its recent history';
export const TRACE_USAGE =
  '`/trace <ID code> [forward|backward]` — trace a device back to its component lots (default), or a lot forward to every device that contains it';

const NUMBERISH = /^[+-]?\d[\d,._]*$/;

/** Reads a quantity: a whole number from 1 to MAX_BUILD_QUANTITY. */
export function parseQuantity(word: string): { ok: true; quantity: number } | { ok: false; problem: string } {
  if (!/^\d+$/.test(word)) return { ok: false, problem: `quantity '${excerpt(word)}' is not a whole number` };
  const quantity = Number(word);
  if (quantity < 1) return { ok: false, problem: 'quantity must be at least 1' };
  if (quantity > MAX_BUILD_QUANTITY)
    return {
      ok: false,
      problem: `quantity ${excerpt(word)} is more than a build may make (${MAX_BUILD_QUANTITY.toLocaleString('en')})`,
    };
  return { ok: true, quantity };
}

function parseStart(words: string[]): Parsed<BuildRequest> {
  const fail = (problem: string): Parsed<BuildRequest> => ({
    ok: false,
    problem,
    usage: '`/build start <project> <qty> [track] [incomplete] [stages A,B,C]`',
  });
  const at = words.findIndex((w, i) => i > 0 && NUMBERISH.test(w));
  if (words.length === 0) return fail('name a project and a quantity');
  if (at < 0)
    return fail(NUMBERISH.test(words[0]!) ? 'name a project before the quantity' : 'a quantity is needed');
  const quantity = parseQuantity(words[at]!);
  if (!quantity.ok) return fail(quantity.problem);
  const project = words.slice(0, at).join(' ');
  let trackUnits = false;
  let acceptIncompleteBom = false;
  let stages: string[] = [];
  const rest = words.slice(at + 1);
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i]!.toLowerCase();
    if (word === 'track' || word === 'tracked') trackUnits = true;
    else if (word === 'incomplete') acceptIncompleteBom = true;
    else if (word === 'stages' || word === 'stage') {
      stages = rest
        .slice(i + 1)
        .join(' ')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      if (stages.length === 0) return fail('name the stages after `stages`, e.g. `stages SMT,Test,Pack`');
      break;
    } else
      return fail(
        `'${excerpt(rest[i]!)}' is not an option here (use \`track\`, \`incomplete\` or \`stages A,B,C\`)`,
      );
  }
  return {
    ok: true,
    request: {
      kind: 'start',
      project,
      quantity: quantity.quantity,
      trackUnits,
      stages,
      ...(acceptIncompleteBom ? { acceptIncompleteBom } : {}),
    },
  };
}

function parseLabels(words: string[]): Parsed<BuildRequest> {
  const fail = (problem: string): Parsed<BuildRequest> => ({
    ok: false,
    problem,
    usage: '`/build labels <build> [template] [300dpi] [serials 1-50]`',
  });
  const build = code(words[0], 'build');
  if (!build.ok) return fail(build.problem);
  let template: string | undefined;
  let serials: string | undefined;
  let dpi: number | undefined;
  for (let i = 1; i < words.length; i++) {
    const word = words[i]!;
    const resolution = /^(\d{2,4})\s*dpi$/i.exec(word);
    if (resolution) dpi = Number(resolution[1]);
    else if (/^serials?$/i.test(word)) {
      const range = words[++i];
      if (!range || !SERIAL_LIST.test(range))
        return fail('`serials` needs serials or ranges, e.g. `serials 1-50` or `serials 1-20,25`');
      serials = range;
    } else if (SERIAL_LIST.test(word)) serials = word;
    else if (!template && /^[a-z0-9][a-z0-9_.-]{0,63}$/i.test(word)) template = word.toLowerCase();
    else return fail(`'${excerpt(word)}' is neither a label template nor a serial range`);
  }
  const problem = rangeProblem(serials);
  if (problem) return fail(problem);
  return {
    ok: true,
    request: {
      kind: 'labels',
      build: build.code,
      ...(template ? { template } : {}),
      ...(serials ? { serials } : {}),
      ...(dpi ? { dpi } : {}),
    },
  };
}

/** `/build …` */
export function parseBuildCommand(text: string): Parsed<BuildRequest> {
  const words = tokenize(text);
  if (isHelp(words)) return { ok: true, request: { kind: 'help' } };
  const [verb, ...rest] = words as [string, ...string[]];
  const action = verb.toLowerCase();
  if (action === 'start') return parseStart(rest);
  if (action === 'labels' || action === 'label') return parseLabels(rest);
  if (action === 'print') return parsePrint(rest);
  if (
    action === 'advance' ||
    action === 'complete' ||
    action === 'cancel' ||
    action === 'status' ||
    action === 'retry'
  ) {
    const usage = `\`/build ${action} <build>${action === 'advance' ? ' [comment]' : action === 'cancel' ? ' [reason]' : ''}\``;
    const build = code(rest[0], 'build');
    if (!build.ok) return { ok: false, problem: build.problem, usage };
    const more = rest.slice(1).join(' ').trim();
    if (action === 'advance')
      return {
        ok: true,
        request: { kind: 'advance', build: build.code, ...(more ? { comment: more } : {}) },
      };
    if (action === 'cancel')
      return { ok: true, request: { kind: 'cancel', build: build.code, ...(more ? { reason: more } : {}) } };
    if (action === 'complete' && more) {
      // Some units, as the API's `serials`: `1-3`, `1-3,7`, `serials 1-3`.
      const serials = more.replace(/^serials?\s+/i, '').replace(/\s+/g, '');
      if (!SERIAL_LIST.test(serials))
        return {
          ok: false,
          problem: `'${excerpt(more)}' is not a serial or a range of serials (e.g. \`1-3,7\`)`,
          usage: '`/build complete <build> [serials 1-3,7]`',
        };
      return { ok: true, request: { kind: 'complete', build: build.code, serials } };
    }
    if (more) return { ok: false, problem: `unexpected '${excerpt(more)}' after the build`, usage };
    return { ok: true, request: { kind: action, build: build.code } };
  }
  return { ok: false, problem: `'${excerpt(verb)}' is not a /build command`, usage: BUILD_USAGE };
}

/** `/lot …` */
export function parseLotCommand(text: string): Parsed<LotRequest> {
  const words = tokenize(text);
  if (isHelp(words)) return { ok: true, request: { kind: 'help' } };
  const fail = (problem: string): Parsed<LotRequest> => ({ ok: false, problem, usage: LOT_USAGE });
  // `<build>/<serial>`, `<build>#<serial>`, `<build> <serial>` or `<build> serial <serial>`
  const joined = /^(.+?)[/#](\d+)$/.exec(words.join(' '));
  const [buildWord, serialWord] = joined
    ? [joined[1]!, joined[2]!]
    : words.length >= 2 && /^#?\d+$/.test(words[words.length - 1]!)
      ? [
          words
            .slice(0, -1)
            .filter((w) => !/^(serial|sn|#)$/i.test(w))
            .join(''),
          words[words.length - 1]!.replace('#', ''),
        ]
      : [undefined, undefined];
  if (buildWord !== undefined && serialWord !== undefined) {
    const build = code(buildWord.trim(), 'build');
    if (!build.ok) return fail(build.problem);
    const serial = Number(serialWord);
    if (serial < 1 || serial > MAX_BUILD_QUANTITY) return fail(`serial ${serialWord} is out of range`);
    return { ok: true, request: { kind: 'unit', build: build.code, serial } };
  }
  // An ID code typed with a space in it is still one code.
  const lot = code(words.join(''), 'lot');
  if (lot.ok) return { ok: true, request: { kind: 'lot', code: lot.code } };
  // Not shaped like an ID code (10 characters once hyphens go), or written with hyphens as formatted
  // serials are (`PX-2650-0042` is 10 without them): the formatted serial on a label. Looking it up
  // still names the ID code's problem when no device has it.
  const word = words.length === 1 ? words[0]! : '';
  if (/\d/.test(word) && word.length <= 100 && (word.replace(/-/g, '').length !== 10 || word.includes('-')))
    return { ok: true, request: { kind: 'serial', serial: word } };
  return fail(lot.problem);
}

const FORWARD = /^(forward|fwd|f|down)$/i;
const BACKWARD = /^(backward|backwards|back|b|up)$/i;

/** `/trace …` */
export function parseTraceCommand(text: string): Parsed<TraceRequest> {
  const words = tokenize(text);
  if (isHelp(words)) return { ok: true, request: { kind: 'help' } };
  let direction: 'forward' | 'backward' = 'backward';
  const last = words[words.length - 1]!;
  if (words.length > 1 && (FORWARD.test(last) || BACKWARD.test(last))) {
    direction = FORWARD.test(last) ? 'forward' : 'backward';
    words.pop();
  } else if (words.length > 1 && /^[a-z]+$/i.test(last) && parseIdCode(words.slice(0, -1).join('')).ok)
    // A whole ID code followed by a word: the word was meant as a direction.
    return {
      ok: false,
      problem: `'${excerpt(last)}' is not a direction: use forward or backward`,
      usage: TRACE_USAGE,
    };
  const lot = code(words.join(''), 'lot');
  if (!lot.ok) return { ok: false, problem: lot.problem, usage: TRACE_USAGE };
  return { ok: true, request: { kind: 'trace', code: lot.code, direction } };
}

/**
 * Measurements as typed in the record-a-test-result modal: `vout=3.31, current=0.12 A, fw=1.4.2`.
 * Numbers stay numbers; anything else is kept as text.
 */
export function parseMeasurements(
  text: string,
): { ok: true; measurements: Record<string, number | string> } | { ok: false; problem: string } {
  const measurements: Record<string, number | string> = {};
  for (const part of text
    .split(/[,;\n]/)
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^([^=:]{1,100}?)\s*[=:]\s*(.{1,200})$/.exec(part);
    if (!m) return { ok: false, problem: `'${excerpt(part)}' is not name=value` };
    const value = m[2]!.trim();
    measurements[m[1]!.trim()] = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(value) ? Number(value) : value;
  }
  if (Object.keys(measurements).length > 50) return { ok: false, problem: 'at most 50 measurements' };
  return { ok: true, measurements };
}

export type BuildtraceRequest = { kind: 'login' } | { kind: 'logout' } | { kind: 'help' };

export const BUILDTRACE_USAGE = [
  '`/buildtrace login` — a one-time link (only you see it, valid for 5 minutes) that signs you in to the scan pages with your role',
  '`/buildtrace logout` — sign out of the scan pages everywhere you are signed in',
].join('\n');

/** `/buildtrace login|logout|help` */
export function parseBuildtraceCommand(text: string): Parsed<BuildtraceRequest> {
  const words = tokenize(text);
  if (isHelp(words)) return { ok: true, request: { kind: 'help' } };
  const word = words.length === 1 ? words[0]!.toLowerCase() : '';
  if (/^(login|log-in|signin|sign-in)$/.test(word)) return { ok: true, request: { kind: 'login' } };
  if (/^(logout|log-out|signout|sign-out)$/.test(word)) return { ok: true, request: { kind: 'logout' } };
  return {
    ok: false,
    problem: `'${excerpt(words.join(' '))}' is not something /buildtrace does`,
    usage: BUILDTRACE_USAGE,
  };
}
