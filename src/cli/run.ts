/**
 * What the CLI's commands share: running a command as the CLI's actor, printing its result as the
 * API shows it, and `--wait` (polling until a worker has done the work).
 */
import { createWriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { execute, type Command } from '../commands/define.ts';
import { asApi, printJson } from './output.ts';
import { EXIT, UsageError, type CliCommand, type CliContext, type Values } from './program.ts';

export type Obj = Record<string, unknown>;

/** A number when the text is one (the command's schema names the field otherwise). */
export const num = (v: unknown) => (typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v);
export const list = (v: unknown) => (Array.isArray(v) ? v.flatMap((s) => String(s).split(',')) : undefined);
const defined = (o: Obj) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/** Runs `command` as the CLI's actor; `R` is how the caller reads its result. */
export async function call<R = Obj>(ctx: CliContext, command: Command, input: Obj): Promise<R> {
  return (await execute(ctx.deps, command, ctx.actor, defined(input))) as R;
}

/** Prints a result as the API shows it (`--json`) or as `text` makes it. */
export function show(ctx: CliContext, command: Command, result: unknown, text: (v: Obj) => string): void {
  const shown = asApi(command, result) as Obj;
  if (ctx.out.json) printJson(ctx.out, shown);
  else ctx.out.write(`${text(shown)}\n`);
}

export const WAIT = {
  wait: { type: 'boolean' },
  timeout: { type: 'string' },
} as const;

export function deadlineOf(values: Values): number {
  const seconds = values.timeout === undefined ? 600 : Number(values.timeout);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError('--timeout: seconds, more than 0');
  return Date.now() + seconds * 1000;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `read` until `settled` says so; throws when the deadline passes first. */
export async function waitFor<T>(
  ctx: CliContext,
  read: () => Promise<T>,
  settled: (v: T) => boolean,
  what: string,
  deadline: number,
) {
  let noted = false;
  for (;;) {
    const value = await read();
    if (settled(value)) return value;
    if (Date.now() > deadline) throw new UsageError(`${what} did not settle in time (--timeout)`);
    if (!noted) ctx.note(`waiting for ${what} (a worker runs it)…`);
    noted = true;
    await sleep(300);
  }
}

/**
 * Work a worker does (a label run, a recall), as `get` shows it: with --wait once it is done or
 * failed; exit 1 when it failed.
 */
export async function answerQueued(
  ctx: CliContext,
  values: Values,
  queued: Obj,
  get: Command,
  line: (v: Obj) => string,
  what: string,
): Promise<number> {
  const settled = values.wait
    ? await waitFor(
        ctx,
        () => call<Obj>(ctx, get, { id: queued.id }),
        (r) => r.status === 'done' || r.status === 'failed' || r.status === 'cancelled',
        `${what} ${String(queued.id)}`,
        deadlineOf(values),
      )
    : queued;
  show(ctx, get, settled, line);
  return settled.status === 'failed' || settled.status === 'cancelled' ? EXIT.failed : EXIT.ok;
}

/** `<words> ID`: one object by its numeric id, as `get` shows it. */
export const statusCommand = (
  words: string[],
  summary: string,
  get: Command,
  line: (v: Obj) => string,
): CliCommand => ({
  words,
  args: ['ID'],
  summary,
  async run(ctx, _v, [id]) {
    show(ctx, get, await call<Obj>(ctx, get, { id }), line);
    return EXIT.ok;
  },
});

/** `<words> ID [--out FILE]`: the file `download` answers, to FILE or to standard output. */
export const downloadCommand = (words: string[], summary: string, download: Command): CliCommand => ({
  words,
  args: ['ID'],
  synopsis: '[--out FILE]',
  summary,
  options: { out: { type: 'string' } },
  async run(ctx, v, [id]) {
    await writeFile(
      ctx,
      await call<{ stream: Readable }>(ctx, download, { id }),
      v.out as string | undefined,
    );
    return EXIT.ok;
  },
});

/** Writes a downloaded file to `out`, or to standard output unless that is a terminal. */
export async function writeFile(ctx: CliContext, file: { stream: Readable }, out: string | undefined) {
  if (out) {
    await pipeline(file.stream, createWriteStream(out));
    ctx.note(`written to ${out}`);
  } else if (process.stdout.isTTY) {
    file.stream.destroy();
    throw new UsageError('this is a binary file: give --out FILE, or redirect the output');
  } else await pipeline(file.stream, process.stdout, { end: false });
}
