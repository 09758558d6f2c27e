/**
 * The CLI's grammar: `buildtrace <command words> [arguments] [options]`, a table of commands (each a
 * thin wrapper over the same commands the API and Slack run), help texts, and the exit codes
 * scripts rely on:
 *
 *   0  done            1  refused or failed (not found, a broken rule, a failed operation)
 *   2  import-bom: imported, but rows were rejected
 *   64 usage error     65 bad input (a field the command refused; named as its option)
 *   66 a file that cannot be read          69 a service (PostgreSQL, Redis) unreachable
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { CommandDeps } from '../commands/define.ts';
import type { Actor } from '../domain/roles.ts';
import type { Out } from './output.ts';

type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>;

export const EXIT = { ok: 0, failed: 1, usage: 64, dataError: 65, noInput: 66, unavailable: 69 } as const;

/** A mistake in how the CLI was called: one line, exit 64. */
export class UsageError extends Error {}
/** A file named on the command line that cannot be read: exit 66. */
export class InputFileError extends Error {}

export type Values = Record<string, string | boolean | string[] | boolean[] | undefined>;

export interface CliContext {
  deps: CommandDeps;
  /** Who the CLI acts as (an admin named after the user at the terminal). */
  actor: Actor;
  out: Out;
  /** Lines for the person (progress, warnings): stderr, so stdout stays the result. */
  note(text: string): void;
}

export interface CliCommand {
  words: string[];
  /** Positional arguments, e.g. ['CODE']; a trailing `…` takes any number. */
  args?: string[];
  /** Options after the words, e.g. `--project CODE --quantity N [--track]`. */
  synopsis?: string;
  summary: string;
  /** More help, shown by `buildtrace help <command>`. */
  details?: string;
  options?: ParseArgsOptionsConfig;
  /** Checks made before the database is touched (a file to read exists …); throw to refuse. */
  check?(values: Values, args: string[]): Promise<void>;
  run(ctx: CliContext, values: Values, args: string[]): Promise<number>;
}

export const GLOBAL_OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} satisfies ParseArgsOptionsConfig;

export interface Invocation {
  command: CliCommand;
  values: Values;
  args: string[];
}

/** The command the leading words name (the longest match), or null. */
function lookup(commands: CliCommand[], argv: string[]): { command: CliCommand; rest: string[] } | null {
  let best: { command: CliCommand; rest: string[] } | null = null;
  for (const command of commands) {
    const n = command.words.length;
    if (argv.slice(0, n).join(' ') === command.words.join(' ') && (!best || n > best.command.words.length))
      best = { command, rest: argv.slice(n) };
  }
  return best;
}

/** The first sentence of Node's parseArgs error (it goes on about `--`). */
const firstSentence = (message: string) => message.replace(/\. To specify a positional.*$/s, '').trim();

/**
 * Parses `argv` into a command with its options and arguments. Throws UsageError for anything
 * that is not a call of a known command; returns `help` for a request of help (`help [words]`,
 * `--help` anywhere) and `version` for `--version`/`-V`.
 */
export function parse(
  commands: CliCommand[],
  argv: string[],
): Invocation | { help: string[] } | { version: true } {
  if (argv[0] === '--version' || argv[0] === '-V' || argv[0] === 'version') return { version: true };
  if (argv[0] === 'help') return { help: argv.slice(1) };
  const words = argv.filter((a) => !a.startsWith('-'));
  if (argv.includes('--help') || argv.includes('-h')) return { help: words };
  if (argv.length === 0) throw new UsageError('a command is needed');
  const found = lookup(commands, argv);
  if (!found) {
    const group = commands.filter((c) => c.words[0] === argv[0]);
    if (group.length > 0)
      throw new UsageError(
        `'${argv[0]}' needs one of: ${group.map((c) => c.words.slice(1).join(' ')).join(', ')}`,
      );
    throw new UsageError(`unknown command '${argv[0]}'`);
  }
  const { command, rest } = found;
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: { ...GLOBAL_OPTIONS, ...command.options },
    });
  } catch (error) {
    throw new UsageError(`${command.words.join(' ')}: ${firstSentence((error as Error).message)}`);
  }
  const names = command.args ?? [];
  const variadic = names.at(-1)?.endsWith('…') ?? false;
  const required = names.filter((n) => !n.startsWith('[')).length;
  if (parsed.positionals.length < required)
    throw new UsageError(`${command.words.join(' ')}: missing ${names[parsed.positionals.length]}`);
  if (!variadic && parsed.positionals.length > names.length)
    throw new UsageError(
      `${command.words.join(' ')}: unexpected argument '${parsed.positionals[names.length]}'`,
    );
  return { command, values: parsed.values as Values, args: parsed.positionals };
}

const signature = (c: CliCommand) =>
  [c.words.join(' '), ...(c.args ?? []), c.synopsis ?? ''].filter(Boolean).join(' ');

/** `buildtrace help`, or the help of the commands the words name. */
export function helpText(commands: CliCommand[], words: string[]): string {
  const matching = commands.filter((c) => words.every((w, i) => c.words[i] === w));
  const shown = matching.length > 0 ? matching : commands;
  const lines = ['usage: buildtrace <command> [arguments] [--json]', ''];
  if (matching.length === 1) {
    const c = matching[0]!;
    lines.push(`  ${signature(c)}`, '', `${c.summary}`);
    if (c.details) lines.push('', c.details);
  } else {
    const width = Math.min(58, Math.max(...shown.map((c) => signature(c).length)) + 2);
    for (const c of shown) {
      const sig = signature(c);
      lines.push(
        sig.length < width
          ? `  ${sig.padEnd(width)}${c.summary}`
          : `  ${sig}\n  ${''.padEnd(width)}${c.summary}`,
      );
    }
    lines.push(
      '',
      "Every command takes --json (the API's JSON for the same command) and --help.",
      'buildtrace help <command> tells more; buildtrace --version the version.',
      'Exit codes: 0 done, 1 refused or failed, 64 usage error, 65 bad input, 66 unreadable file,',
      '69 PostgreSQL or Redis unreachable (import-bom: 2 when rows were rejected).',
    );
  }
  return lines.join('\n');
}

/** `--project-name` for a command input's `projectName`: the CLI's word for an API field. */
export const optionName = (field: string) =>
  `--${field.replace(/\.\d+.*$/, '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
