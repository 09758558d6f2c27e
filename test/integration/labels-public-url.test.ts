/**
 * PUBLIC_URL left at its default (`http://localhost:<port>`): label runs still render, but their
 * codes open nothing on the phone or scanner that reads them, so every place a run is told about
 * warns — the API's answer and the run (`warnings`), the worker's log, and the Slack texts.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelsReady, labelsRequested } from '../../src/slack/presenters/build.ts';
import { factories } from '../factories.ts';
import { startBackground, waitFor, type Background } from '../helpers/background.ts';
import { createTestContext, type TestContext } from '../helpers/context.ts';

let ctx: TestContext;
let bg: Background;
let f: ReturnType<typeof factories>;
const logged: { level: number; msg: string; runId?: number; publicUrl?: string }[] = [];

beforeAll(async () => {
  // PUBLIC_URL empty: the default, http://localhost:<PORT>.
  ctx = await createTestContext({ env: { PUBLIC_URL: '', PORT: '3000' } });
  f = factories({ uow: ctx.uow });
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) logged.push(JSON.parse(line));
      done();
    },
  });
  bg = await startBackground({ ...ctx, log: pino({ level: 'info' }, sink) });
});
afterAll(async () => {
  await bg?.stop();
  await ctx?.close();
});

describe('label runs with a loopback PUBLIC_URL', () => {
  it('warn in the API answer and the run, in the worker log and in the Slack texts', async () => {
    expect(ctx.config.publicUrl).toBe('http://localhost:3000');
    const lot = await f.lot();
    const res = await ctx.api('POST', '/api/v1/labels', { body: { lots: [lot.code] } });
    expect(res.status, res.text).toBe(202);
    expect(res.body.publicUrl).toBe('http://localhost:3000');
    const warnings = res.body.warnings as string[];
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('http://localhost:3000/id/…');
    expect(warnings[0]).toContain('loopback');
    expect(warnings[0]).toContain('Set PUBLIC_URL');

    const id = res.body.id as number;
    const run = await waitFor(async () => {
      const got = await ctx.api('GET', `/api/v1/labels/${id}`);
      return got.body.status === 'done' ? got.body : undefined;
    }, `label run ${id}`);
    expect(run.warnings).toEqual(warnings);
    const listed = await ctx.api('GET', '/api/v1/labels');
    expect(
      (listed.body.items as { id: number; warnings: string[] }[]).find((r) => r.id === id)?.warnings,
    ).toEqual(warnings);

    const warned = await waitFor(
      async () => logged.find((l) => l.level === 40 && l.runId === id),
      'the worker to log a warning',
    );
    expect(warned.publicUrl).toBe('http://localhost:3000');
    expect(warned.msg).toContain('loopback');

    const stored = (await ctx.uow.read((repos) => repos.labels.findById(id)))!;
    expect(labelsRequested(stored).text).toMatch(
      /\n:warning: These labels' codes point at http:\/\/localhost:3000/,
    );
    expect(labelsReady(stored)).toMatch(/\n:warning: These labels' codes point at http:\/\/localhost:3000/);

    // Webhook consumers and other subscribers read it in the event too.
    const ready = (await ctx
      .db('events')
      .where({ type: 'labels.ready' })
      .whereRaw("(data->>'run')::int = ?", [id])
      .first()) as {
      data: { publicUrl: string; warnings: string[] };
    };
    expect(ready.data).toMatchObject({ publicUrl: 'http://localhost:3000', warnings });
  });

  it('keep quiet about a run whose address is not known (requested before it was kept)', async () => {
    const lot = await f.lot();
    const res = await ctx.api('POST', '/api/v1/labels', { body: { lots: [lot.code] } });
    await ctx.db('label_runs').where({ id: res.body.id }).update({ public_url: null });
    const got = await ctx.api('GET', `/api/v1/labels/${res.body.id as number}`);
    expect(got.body).toMatchObject({ publicUrl: null, warnings: [] });
  });
});
