/**
 * Label runs through the API and a real worker: a serial range of a tracked build rendered on the
 * Brother template, stored and downloadable, its QR codes decoded back to the units' URLs; a run
 * for a 300 dpi Zebra head; lots, parts and locations; progress and the labels.ready event; refusals.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { factories } from '../factories.ts';
import { settledBuild, startBackground, waitFor, type Background } from '../helpers/background.ts';
import { createTestContext, databaseFingerprint, type TestContext } from '../helpers/context.ts';
import { LABEL_TEMPLATES } from '../../src/domain/label-templates.ts';
import { crop, decodeQr, poppler, rasterize, type GrayImage } from '../helpers/decode.ts';

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
      publicUrl: 'http://buildtrace.test',
      warnings: [],
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

  it("prints a lot's quantity, supplier and date code on its label, not a date of ours", async () => {
    const part = await f.part({ name: 'MLCC 100n 0402' });
    const lot = await f.lot({
      part: part.code,
      quantity: 2500,
      supplier: 'Würth Elektronik',
      dateCode: '2419',
    });
    const bare = await f.lot({ part: part.code, quantity: 40, supplier: null });
    const res = await ctx.api('POST', '/api/v1/labels', {
      body: { lots: [lot.code, bare.code], template: 'brother-62x29' },
    });
    expect(res.status, res.text).toBe(202);
    expect(await finished(res.body.id as number)).toMatchObject({ status: 'done', pages: 2 });
    const pdf = await fetch(`${ctx.url}/api/v1/labels/${res.body.id as number}/pdf`, {
      headers: { authorization: `Bearer ${ctx.tokens.viewer}` },
    });
    const path = join(dir, 'lots.pdf');
    await writeFile(path, Buffer.from(await pdf.arrayBuffer()));
    const page = async (n: number) =>
      (await poppler('pdftotext', ['-f', String(n), '-l', String(n), path, '-'])).stdout;
    const [first, second] = [await page(1), await page(2)];
    expect(first).toContain('MLCC 100n 0402');
    expect(first).toContain(lot.code);
    expect(first).toContain('Qty 2500 · DC 2419');
    expect(first).toContain('Würth Elektronik');
    expect(second).toContain('Qty 40');
    // No date code line (a word DC; the random ID code printed on the label may hold the letters DC).
    expect(second).not.toMatch(/\bDC\b/);
    // Neither the day the lot was received nor the day it was printed stands in for its date code.
    const today = new Date().toISOString().slice(0, 10);
    for (const text of [first, second]) expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}/);
    expect(first).not.toContain(today);
  });

  it('renders a build on zebra-2x1in for a 300 dpi head: codes on whole 300 dpi dots, decoded', async () => {
    const build = await trackedBuild(4);
    const res = await ctx.api('POST', '/api/v1/labels', {
      body: { build, template: 'zebra-2x1in', dpi: 300 },
    });
    expect(res.status, res.text).toBe(202);
    expect(res.body).toMatchObject({ template: 'zebra-2x1in', dpi: 300, total: 4 });
    const id = res.body.id as number;
    const run = await finished(id);
    expect(run).toMatchObject({ status: 'done', dpi: 300, pages: 4 });
    expect(await ctx.db('label_runs').where({ id }).first('dpi')).toEqual({ dpi: 300 });
    const ready = (await ctx.db('events').where({ type: 'labels.ready' })).find(
      (e: { data: { run: number } }) => e.data.run === id,
    ) as { data: Record<string, unknown> };
    expect(ready.data).toMatchObject({ template: 'zebra-2x1in', dpi: 300 });

    // The same labels at the template's default resolution, to compare with.
    const standard = await ctx.api('POST', '/api/v1/labels', { body: { build, template: 'zebra-2x1in' } });
    expect(standard.body).toMatchObject({ dpi: 203 });
    await finished(standard.body.id as number);

    const units = (await ctx.api('GET', `/api/v1/builds/${build}/units`)).body.items as { code: string }[];
    const urls = units.map((u) => `http://buildtrace.test/id/${u.code}`);
    const pdfs: Record<string, string> = {};
    for (const [name, runId] of [
      ['300', id],
      ['203', standard.body.id as number],
    ] as const) {
      const pdf = await fetch(`${ctx.url}/api/v1/labels/${runId}/pdf`, {
        headers: { authorization: `Bearer ${ctx.tokens.viewer}` },
      });
      pdfs[name] = join(dir, `zebra-${name}.pdf`);
      await writeFile(pdfs[name], Buffer.from(await pdf.arrayBuffer()));
    }
    const at300 = await rasterize(pdfs['300']!, { dpi: 300, first: 1, last: 4 });
    expect(at300.map(decodeQr)).toEqual(urls);
    // Rasterized as a 300 dpi head prints, every module is 7 whole dots (0.593 mm): each dark run along
    // a row of the code is a multiple of 7 dots. Laid out for 203 dpi (4 dots of 203 = 5.9 dots of
    // 300), the same code's runs are not.
    const { box } = LABEL_TEMPLATES['zebra-2x1in'].code;
    const px = (mm: number) => (mm * 300) / 25.4;
    const codeBox = { x: px(box.x), y: px(box.y), width: px(box.width), height: px(box.height) };
    const darkRuns = (image: GrayImage) => {
      const code = crop(image, codeBox);
      const runs = new Set<number>();
      for (let y = 0; y < code.height; y++) {
        let run = 0;
        for (let x = 0; x <= code.width; x++) {
          if (x < code.width && code.data[y * code.width + x]! < 128) run++;
          else if (run > 0) {
            runs.add(run);
            run = 0;
          }
        }
      }
      return [...runs].sort((a, b) => a - b);
    };
    const [standardPage] = await rasterize(pdfs['203']!, { dpi: 300, first: 1 });
    expect(decodeQr(standardPage!)).toBe(urls[0]);
    for (const page of at300) {
      const runs = darkRuns(page);
      expect(runs[0]).toBe(7);
      expect(runs.filter((r) => r % 7 !== 0)).toEqual([]);
    }
    expect(darkRuns(standardPage!).filter((r) => r % 7 !== 0).length).toBeGreaterThan(3);
  });

  it('shows runs requested before resolutions could be chosen at their template default', async () => {
    const lot = await f.lot();
    const res = await ctx.api('POST', '/api/v1/labels', {
      body: { lots: [lot.code], template: 'pcb-12x12' },
    });
    expect(res.body).toMatchObject({ dpi: 600 });
    const id = res.body.id as number;
    await finished(id);
    await ctx.db('label_runs').where({ id }).update({ dpi: null });
    expect((await ctx.api('GET', `/api/v1/labels/${id}`)).body).toMatchObject({ dpi: 600, status: 'done' });
  });

  it('lists the templates with the resolutions each is laid out for', async () => {
    const res = await ctx.api('GET', '/api/v1/label-templates', { role: 'viewer' });
    const templates = res.body as unknown as { name: string; dpi: number; dpis: number[] }[];
    expect(templates.map((t) => t.name).sort()).toEqual([
      'a4-3x8',
      'brother-62x29',
      'pcb-12x12',
      'zebra-2x1in',
    ]);
    expect(templates.find((t) => t.name === 'zebra-2x1in')).toMatchObject({ dpi: 203, dpis: [203, 300] });
    expect(templates.find((t) => t.name === 'brother-62x29')).toMatchObject({ dpi: 300, dpis: [300] });
  });

  it('refuses a resolution the template is not laid out for, naming dpi, and changes nothing', async () => {
    const lot = await f.lot();
    const before = await databaseFingerprint(ctx);
    for (const body of [
      { lots: [lot.code], template: 'brother-62x29', dpi: 203 },
      { lots: [lot.code], template: 'zebra-2x1in', dpi: 150 },
      { lots: [lot.code], dpi: 300.5 },
      { lots: [lot.code], template: 'zebra-2x1in', dpi: '300' },
    ]) {
      const res = await ctx.api('POST', '/api/v1/labels', { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'dpi' })]);
    }
    const res = await ctx.api('POST', '/api/v1/labels', {
      body: { lots: [lot.code], template: 'zebra-2x1in', dpi: 150 },
    });
    expect((res.body.errors as { message: string }[])[0]!.message).toMatch(/203 or 300 dpi/);
    expect(await databaseFingerprint(ctx)).toBe(before);
  });

  it('describes dpi in the OpenAPI document, for the request and the run', async () => {
    const doc = (await ctx.api('GET', '/api/v1/openapi.json', { role: null })).body as {
      paths: Record<
        string,
        Record<
          string,
          { requestBody?: { content: Record<string, { schema: { properties: Record<string, unknown> } }> } }
        >
      >;
      components: { schemas: Record<string, { properties: Record<string, unknown> }> };
    };
    const body = doc.paths['/labels']!.post!.requestBody!.content['application/json']!.schema;
    expect(body.properties.dpi).toMatchObject({ type: 'integer' });
    expect(doc.components.schemas.LabelRun!.properties.dpi).toMatchObject({ type: 'integer' });
    expect(doc.components.schemas.LabelTemplate!.properties.dpis).toMatchObject({ type: 'array' });
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
