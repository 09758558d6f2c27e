/**
 * Label runs through the API and a real worker: a serial range of a tracked build rendered on the
 * Brother template, stored and downloadable, its QR codes decoded back to the units' URLs; lots,
 * parts and locations; progress and the labels.ready event; refusals.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { factories } from '../factories.ts';
import { settledBuild, startBackground, waitFor, type Background } from '../helpers/background.ts';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { decodeQr, rasterize } from '../helpers/decode.ts';

let ctx: TestContext;
let bg: Background;
let f: ReturnType<typeof factories>;
let dir: string;

beforeAll(async () => {
  ctx = await createTestContext();
  f = factories({ uow: ctx.uow });
  bg = await startBackground(ctx);
  dir = await mkdtemp(join(tmpdir(), 'bt-labels-'));
});
afterAll(async () => {
  await bg?.stop();
  await ctx?.close();
  await rm(dir, { recursive: true, force: true });
});

async function trackedBuild(quantity: number) {
  const component = await f.part();
  await f.lot({ part: component.code, quantity: 1000 });
  const project = await f.project({
    name: `Sensor ${Date.now()}`,
    serialFormat: 'S-{seq:05}',
    lines: [{ part: component.code, quantity: 1 }],
  });
  const res = await ctx.api('POST', '/api/v1/builds', {
    body: { project: project.code, quantity, trackUnits: true },
  });
  const code = (res.body.build as { code: string }).code;
  await settledBuild(ctx, code, (b) => b.status === 'completed');
  return code;
}

async function finished(id: number) {
  return waitFor(async () => {
    const res = await ctx.api('GET', `/api/v1/labels/${id}`);
    return res.body.status === 'done' || res.body.status === 'failed' ? res.body : undefined;
  }, `label run ${id}`);
}

describe('label runs', () => {
  it('renders a serial range of a build into one PDF whose QR codes point at the units', async () => {
    const build = await trackedBuild(30);
    const res = await ctx.api('POST', '/api/v1/labels', {
      body: { build, serials: '5-9', template: 'brother-62x29' },
    });
    expect(res.status, res.text).toBe(202);
    expect(res.body).toMatchObject({
      status: 'queued',
      total: 5,
      source: { kind: 'build', build, serials: '5-9' },
    });
    const run = await finished(res.body.id as number);
    expect(run).toMatchObject({
      status: 'done',
      done: 5,
      percent: 100,
      pages: 5,
      download: `/api/v1/labels/${res.body.id as number}/pdf`,
    });

    const pdf = await fetch(`${ctx.url}${run.download as string}`, {
      headers: { authorization: `Bearer ${ctx.tokens.viewer}` },
    });
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    const bytes = Buffer.from(await pdf.arrayBuffer());
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    const path = join(dir, 'range.pdf');
    await writeFile(path, bytes);
    const units = (await ctx.api('GET', `/api/v1/builds/${build}/units?serials=5-9`)).body.items as {
      code: string;
      serial: number;
    }[];
    const pages = await rasterize(path, { dpi: 300, first: 1, last: 5 });
    expect(pages.map(decodeQr)).toEqual(units.map((u) => `http://buildtrace.test/id/${u.code}`));

    const events = await ctx.db('events').where({ type: 'labels.ready' });
    expect(events.filter((e: { data: { run: number } }) => e.data.run === res.body.id)).toHaveLength(1);
  });

  it('renders lots, parts and locations on sheet and PCB templates', async () => {
    const lots = [await f.lot(), await f.lot()];
    const a = await ctx.api('POST', '/api/v1/labels', {
      body: { lots: lots.map((l) => l.code), template: 'a4-3x8' },
    });
    const b = await ctx.api('POST', '/api/v1/labels', {
      body: { parts: [lots[0]!.partCode], template: 'pcb-12x12' },
    });
    const c = await ctx.api('POST', '/api/v1/labels', {
      body: { locations: [(await f.location()).code], template: 'zebra-2x1in' },
    });
    for (const r of [a, b, c]) {
      expect(r.status, r.text).toBe(202);
      expect(await finished(r.body.id as number)).toMatchObject({ status: 'done' });
    }
    expect((await finished(a.body.id as number)).pages).toBe(1);
  });

  it('lists the templates', async () => {
    const res = await ctx.api('GET', '/api/v1/label-templates', { role: 'viewer' });
    expect((res.body as unknown as { name: string }[]).map((t) => t.name).sort()).toEqual([
      'a4-3x8',
      'brother-62x29',
      'pcb-12x12',
      'zebra-2x1in',
    ]);
  });

  it('refuses what it cannot print, naming the field', async () => {
    const lot = await f.lot();
    const both = await ctx.api('POST', '/api/v1/labels', {
      body: { lots: [lot.code], parts: [lot.partCode] },
    });
    expect(both.status).toBe(400);
    const serials = await ctx.api('POST', '/api/v1/labels', { body: { lots: [lot.code], serials: '1-2' } });
    expect(serials.body.errors).toEqual([expect.objectContaining({ field: 'serials' })]);
    const template = await ctx.api('POST', '/api/v1/labels', {
      body: { lots: [lot.code], template: 'dymo' },
    });
    expect(template.body.errors).toEqual([expect.objectContaining({ field: 'template' })]);
    const unknown = await ctx.api('POST', '/api/v1/labels', { body: { lots: [lot.code, 'ZZZZZZZZZZ'] } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toEqual([expect.objectContaining({ field: 'lots.1' })]);
    const notReady = await ctx.api('GET', '/api/v1/labels/999999/pdf');
    expect(notReady.status).toBe(404);
  });
});
