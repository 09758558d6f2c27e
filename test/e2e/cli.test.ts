/**
 * The CLI as an operator scripting the line uses it (the compiled `bin/buildtrace`, in processes of
 * its own): help and version without a database, usage errors as one line with exit 64, EPIPE when
 * piped into a reader that stops, `--json` answering exactly what the API answers, and a build
 * started, completed, labelled and traced from the CLI alone (a worker runs in the test process).
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execute } from '../../src/commands/define.ts';
import { openSession, signInWithToken } from '../../src/commands/sessions.ts';
import { SYSTEM_ACTOR } from '../../src/domain/roles.ts';
import { startBackground, type Background } from '../helpers/background.ts';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { FakeZplPrinter } from '../helpers/fake-zpl-printer.ts';
import { builtUnits } from '../helpers/printing.ts';
import { processEnv } from '../helpers/processes.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const BIN = join(ROOT, 'bin/buildtrace');

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

let ctx: TestContext;
let bg: Background;
let dir: string;

async function cli(args: string[], env: Record<string, string> = processEnv(ctx)): Promise<Ran> {
  const { PATH = '', HOME = '' } = process.env;
  return promisify(execFile)(BIN, args, {
    cwd: ROOT,
    env: { PATH, HOME, LOG_LEVEL: 'warn', ...env },
    timeout: 120_000,
  }).then(
    (ok) => ({ code: 0, ...ok }),
    (failed: Ran) => failed,
  );
}

async function json(args: string[]): Promise<Record<string, unknown>> {
  const ran = await cli([...args, '--json']);
  expect(ran.code, `${args.join(' ')}: ${ran.stderr}`).toBe(0);
  return JSON.parse(ran.stdout) as Record<string, unknown>;
}

beforeAll(async () => {
  await promisify(execFile)(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, timeout: 170_000 });
  ctx = await createTestContext();
  bg = await startBackground(ctx);
  dir = await mkdtemp(join(tmpdir(), 'bt-cli-'));
}, 200_000);
afterAll(async () => {
  await bg?.stop();
  await ctx?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** One line on stderr, no stack trace. */
function oneLine(ran: Ran) {
  expect(ran.stderr.trim().split('\n')).toHaveLength(1);
  expect(ran.stderr).not.toMatch(/\n\s+at /);
}

describe('conventions (no database needed)', () => {
  it('--help and help exit 0 and list the commands; help <command> tells more', async () => {
    for (const args of [['--help'], ['help'], ['-h']]) {
      const ran = await cli(args, {});
      expect(ran.code).toBe(0);
      for (const command of ['build start', 'label run', 'lot receive', 'trace backward', 'recall start'])
        expect(ran.stdout).toContain(command);
    }
    const one = await cli(['help', 'build', 'start'], {});
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/--track makes one serialized unit/);
    expect((await cli(['build', 'complete', '--help'], {})).stdout).toContain('--serials');
  });

  it('--version prints the version', async () => {
    const { version } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const args of [['--version'], ['-V']]) {
      const ran = await cli(args, {});
      expect(ran).toMatchObject({ code: 0, stdout: `buildtrace ${version}\n` });
    }
  });

  it('usage errors: one line, exit 64, no stack', async () => {
    for (const args of [
      [],
      ['frobnicate'],
      ['build'],
      ['build', 'start', '--frob'],
      ['build', 'status'],
      ['lot', 'show', 'A', 'B'],
    ]) {
      const ran = await cli(args, {});
      expect(ran.code, args.join(' ')).toBe(64);
      oneLine(ran);
      expect(ran.stderr).toMatch(/^buildtrace: /);
    }
  });

  it('a file that cannot be read: one line, exit 66, before touching a database', async () => {
    const ran = await cli(['import-bom', '--project', 'Anything', join(dir, 'missing.csv')], {});
    expect(ran.code).toBe(66);
    oneLine(ran);
    expect(ran.stderr).toContain('no such file');
  });

  it('output piped into a reader that stops early ends quietly (EPIPE)', async () => {
    const child = spawn(BIN, ['help'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    expect(stderr).toBe('');
  });
});

describe('the line from the CLI alone', () => {
  it('bad input names the option (exit 65)', async () => {
    const bad = await cli(['build', 'start', '--project', 'ABCDEFGHJK', '--quantity', 'many']);
    expect(bad.code).toBe(65);
    oneLine(bad);
    expect(bad.stderr).toContain('--quantity');
  });

  it("adds a printer, makes it a project's default and prints a build on it, each label once", async () => {
    const printer = await FakeZplPrinter.start();
    try {
      const { code, urls, kit } = await builtUnits(ctx, 4);
      const added = await json([
        'printer',
        'add',
        'Zebra CLI',
        '--driver',
        'zpl',
        '--address',
        printer.address,
        '--template',
        'zebra-2x1in',
      ]);
      expect(added).toMatchObject({ name: 'Zebra CLI', driver: 'zpl', dpi: 203, enabled: true });
      const bad = await cli([
        'printer',
        'add',
        'Broken',
        '--driver',
        'zpl',
        '--address',
        'a b',
        '--template',
        'zebra-2x1in',
      ]);
      expect(bad.code).toBe(65);
      expect(bad.stderr).toMatch(/--address/);
      expect(((await json(['printer', 'list'])).items as { name: string }[]).map((p) => p.name)).toContain(
        'Zebra CLI',
      );
      expect(await json(['printer', 'show', 'zebra cli'])).toMatchObject({
        live: { state: 'ready', ready: true },
      });
      expect((await cli(['printer', 'assign', 'Zebra CLI', '--project', kit.project])).code).toBe(0);
      const run = await json(['label', 'print', '--build', code, '--wait']);
      expect(run).toMatchObject({ status: 'done', printed: 4, total: 4 });
      expect(printer.printed().map((l) => l.data)).toEqual(urls);
      const records = await json(['label', 'prints', String(run.id)]);
      expect((records.items as { status: string }[]).map((r) => r.status)).toEqual(
        Array(4).fill('confirmed'),
      );
      expect((await cli(['label', 'status', String(run.id)])).stdout).toMatch(/done .* 4\/4 printed/);
    } finally {
      await printer.close();
    }
  });

  it('lists the page sessions and ends one: its next request is signed out', async () => {
    const deps = { uow: ctx.uow };
    const kiosk = await execute(deps, signInWithToken, SYSTEM_ACTOR, { token: ctx.tokens.operator });
    const listed = (await json(['session', 'list'])) as unknown as { id: number; kind: string }[];
    expect(listed.find((s) => s.id === kiosk.session.id)?.kind).toBe('kiosk');
    expect(JSON.stringify(listed)).not.toContain(kiosk.secret);
    const revoked = await json(['session', 'revoke', '--id', String(kiosk.session.id)]);
    expect(revoked.revokedAt).not.toBeNull();
    expect(await execute(deps, openSession, SYSTEM_ACTOR, { secret: kiosk.secret })).toBeNull();
    const live = (await json(['session', 'list'])) as unknown as { id: number }[];
    expect(live.some((s) => s.id === kiosk.session.id)).toBe(false);
    expect(
      ((await json(['session', 'list', '--all'])) as unknown as { id: number }[]).map((s) => s.id),
    ).toContain(kiosk.session.id);
    const unknown = await cli(['session', 'revoke', '--id', '999999']);
    expect(unknown.code).toBe(1);
    oneLine(unknown);
  });

  it('receives stock, starts, completes, labels, traces and recalls a build', async () => {
    expect((await cli(['seed-demo'])).code).toBe(0);
    const projects = (await json(['project', 'list'])).items as { code: string; name: string }[];
    const module = projects.find((p) => p.name === 'Sensor module')!.code;
    // A well-formed code of no build: refused, one line, exit 1.
    const missing = await cli(['build', 'status', module]);
    expect(missing.code).toBe(1);
    oneLine(missing);

    // A reel received and moved by the CLI, named in the build.
    const demoLots = (await json(['lot', 'list', '--limit', '200'])).items as {
      code: string;
      partCode: string;
    }[];
    expect(demoLots.length).toBeGreaterThan(0);

    const started = await json([
      'build',
      'start',
      '--project',
      module,
      '--quantity',
      '3',
      '--track',
      '--stage',
      'test',
      '--wait',
    ]);
    expect(started).toMatchObject({ status: 'in_progress', quantity: 3, progress: { generated: 3 } });
    const code = started.code as string;
    // The command's work carries one request id of its own: its events (and the jobs they cause).
    const ids = (await ctx
      .db('events')
      .where({ stream: `build:${code}` })
      .select('request_id')) as {
      request_id: string | null;
    }[];
    expect(ids.length).toBeGreaterThan(0);
    expect(ids[0]!.request_id).toMatch(/^cli-[0-9a-f-]{36}$/);
    // --json is the API's answer for the same command, field for field.
    const api = await ctx.api('GET', `/api/v1/builds/${code}`);
    expect(await json(['build', 'status', code])).toEqual(api.body);
    expect((await cli(['build', 'status', code])).stdout).toMatch(
      new RegExp(`^${code}  in_progress  3 × Sensor module`),
    );

    const advanced = await json(['build', 'advance', code, '--comment', 'all three pass', '--wait']);
    expect((advanced.stages as { completedAt: string | null }[])[0]!.completedAt).not.toBeNull();
    const completed = await cli([
      'build',
      'complete',
      code,
      '--force',
      '--reason',
      'tested on the bench',
      '--wait',
      '--json',
    ]);
    expect(completed.code, completed.stderr).toBe(0);
    expect(JSON.parse(completed.stdout)).toMatchObject({ status: 'completed', progress: { completed: 3 } });
    expect(
      ((await json(['build', 'list', '--status', 'completed'])).items as { code: string }[]).map(
        (b) => b.code,
      ),
    ).toContain(code);

    const run = await json(['label', 'run', '--build', code, '--template', 'brother-62x29', '--wait']);
    expect(run).toMatchObject({ status: 'done', total: 3 });
    const pdf = join(dir, 'labels.pdf');
    const downloaded = await cli(['label', 'download', String(run.id), '--out', pdf]);
    expect(downloaded.code, downloaded.stderr).toBe(0);
    expect((await readFile(pdf)).subarray(0, 5).toString()).toBe('%PDF-');

    const units = (await ctx.api('GET', `/api/v1/builds/${code}/units`)).body.items as { code: string }[];
    const back = await json(['trace', 'backward', units[0]!.code]);
    expect(JSON.stringify(back)).toContain(code);
    const component = (back.components as { node: { lot: { code: string } } }[])[0]!.node.lot.code;
    const forward = await json(['trace', 'forward', component]);
    expect((forward.builds as { code: string }[]).map((b) => b.code)).toContain(code);
    expect((await cli(['trace', 'backward', units[0]!.code])).stdout).toContain(`build ${code}`);

    const recall = await json(['recall', 'start', component, '--reason', 'supplier notice', '--wait']);
    expect(recall).toMatchObject({ status: 'done', lotCode: component });
    expect(recall.devices).toBeGreaterThanOrEqual(3);
    const csv = join(dir, 'recall.csv');
    expect((await cli(['recall', 'download', String(recall.id), '--out', csv])).code).toBe(0);
    expect(await readFile(csv, 'utf8')).toContain(units[0]!.code);

    const part = demoLots[0]!.partCode;
    const received = await json([
      'lot',
      'receive',
      '--part',
      part,
      '--quantity',
      '25',
      '--supplier',
      'Digi-Key',
    ]);
    expect(received).toMatchObject({ partCode: part, quantity: 25, supplier: 'Digi-Key' });
    const shown = await json(['lot', 'show', received.code as string]);
    expect(shown).toEqual((await ctx.api('GET', `/api/v1/lots/${received.code as string}`)).body);
  });
});
