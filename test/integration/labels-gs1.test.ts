/**
 * GS1 DataMatrix device labels through the API and a real worker (#16): a part given a GTIN, a
 * tracked build of it, a label run with `symbol: 'gs1'`; the PDF the worker rendered is rasterized
 * and every code decoded with ZXing to exactly the element string with FNC1 that GS1 prescribes —
 * (01) the part's GTIN-14, (11) the build's date, (21) the unit's serial as printed, (10) the build.
 * And the refusals: a bad GTIN, a duplicate GTIN, GS1 codes for a part without GTIN or for lots.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { factories } from '../factories.ts';
import { settledBuild, startBackground, waitFor, type Background } from '../helpers/background.ts';
import { createTestContext, databaseFingerprint, type TestContext } from '../helpers/context.ts';
import { LABEL_TEMPLATES } from '../../src/domain/label-templates.ts';
import { crop, decodeDataMatrix, pad, poppler, rasterize } from '../helpers/decode.ts';

let ctx: TestContext;
let bg: Background;
let f: ReturnType<typeof factories>;
let dir: string;

beforeAll(async () => {
  ctx = await createTestContext();
  f = factories({ uow: ctx.uow });
  bg = await startBackground(ctx);
  dir = await mkdtemp(join(tmpdir(), 'bt-gs1-'));
});
afterAll(async () => {
  await bg?.stop();
  await ctx?.close();
  await rm(dir, { recursive: true, force: true });
});

const GS = '\u001d';

/** A completed tracked build of `part`, with formatted serials when `serialFormat` is given. */
async function trackedBuild(part: string, quantity: number, serialFormat?: string) {
  const component = await f.part();
  await f.lot({ part: component.code, quantity: 1000 });
  const project = await f.project({
    produces: part,
    ...(serialFormat ? { serialFormat } : {}),
    lines: [{ part: component.code, quantity: 1 }],
  });
  const res = await ctx.api('POST', '/api/v1/builds', {
    body: { project: project.code, quantity, trackUnits: true },
  });
  expect(res.status, res.text).toBe(201);
  const code = (res.body.build as { code: string }).code;
  return settledBuild(ctx, code, (b) => b.status === 'completed');
}

async function finished(id: number) {
  return waitFor(async () => {
    const res = await ctx.api('GET', `/api/v1/labels/${id}`);
    return res.body.status === 'done' || res.body.status === 'failed' ? res.body : undefined;
  }, `label run ${id}`);
}

/** The run's PDF, every page rasterized at 300 dpi and its code box decoded with ZXing. */
async function decodedCodes(runId: number, pages: number): Promise<(string | null)[]> {
  const pdf = await fetch(`${ctx.url}/api/v1/labels/${runId}/pdf`, {
    headers: { authorization: `Bearer ${ctx.tokens.viewer}` },
  });
  const path = join(dir, `run-${runId}.pdf`);
  await writeFile(path, Buffer.from(await pdf.arrayBuffer()));
  const { box } = LABEL_TEMPLATES['brother-62x29'].code;
  const px = (mm: number) => (mm * 300) / 25.4;
  const images = await rasterize(path, { dpi: 300, first: 1, last: pages });
  const codeBox = { x: px(box.x), y: px(box.y), width: px(box.width), height: px(box.height) };
  return images.map((image) => decodeDataMatrix(pad(crop(image, codeBox), 8)));
}

describe('GS1 device labels', () => {
  it('prints each unit a GS1 DataMatrix that ZXing reads as (01) GTIN (11) date (21) serial (10) build, FNC1-encoded', async () => {
    // Given as a GTIN-13: kept and printed as GTIN-14.
    const created = await ctx.api('POST', '/api/v1/parts', {
      body: { name: 'Infusion Pump Controller', kind: 'subassembly', gtin: '9501101530003' },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body.gtin).toBe('09501101530003');
    const part = created.body.code as string;
    expect((await ctx.api('GET', `/api/v1/parts/${part}`)).body.gtin).toBe('09501101530003');

    const build = await trackedBuild(part, 4, 'S-{seq:05}');
    const code = build.code as string;
    const res = await ctx.api('POST', '/api/v1/labels', {
      body: { build: code, symbol: 'gs1', template: 'brother-62x29' },
    });
    expect(res.status, res.text).toBe(202);
    expect(res.body).toMatchObject({ symbol: 'gs1', total: 4 });
    const run = await finished(res.body.id as number);
    expect(run).toMatchObject({ status: 'done', pages: 4, symbol: 'gs1' });
    expect(await ctx.db('label_runs').where({ id: res.body.id }).first('symbol')).toEqual({ symbol: 'gs1' });

    const units = (await ctx.api('GET', `/api/v1/builds/${code}/units`)).body.items as {
      serialLabel: string;
    }[];
    expect(units.map((u) => u.serialLabel)).toHaveLength(4);
    const started = new Date(build.startedAt as string).toISOString();
    const yymmdd = `${started.slice(2, 4)}${started.slice(5, 7)}${started.slice(8, 10)}`;
    // FNC1 in first position comes out of ZXing as a leading GS, and no symbology identifier (]d2)
    // is put in the text; a GS separates the variable-length serial from the lot after it.
    expect(await decodedCodes(res.body.id as number, 4)).toEqual(
      units.map((u) => `${GS}0109501101530003` + `11${yymmdd}` + `21${u.serialLabel}${GS}` + `10${code}`),
    );

    // The human-readable interpretation, one AI a line.
    const text = (
      await poppler('pdftotext', ['-f', '1', '-l', '1', join(dir, `run-${res.body.id}.pdf`), '-'])
    ).stdout;
    for (const line of ['(01)09501101530003', `(11)${yymmdd}`, `(21)${units[0]!.serialLabel}`, `(10)${code}`])
      expect(text).toContain(line);

    // A project without a serial format: (21) is the serial number.
    const plain = await trackedBuild(part, 2);
    const second = await ctx.api('POST', '/api/v1/labels', { body: { build: plain.code, symbol: 'gs1' } });
    expect(second.status, second.text).toBe(202);
    expect(await finished(second.body.id as number)).toMatchObject({ status: 'done' });
    const plainStarted = new Date(plain.startedAt as string).toISOString();
    const plainDate = `${plainStarted.slice(2, 4)}${plainStarted.slice(5, 7)}${plainStarted.slice(8, 10)}`;
    expect(await decodedCodes(second.body.id as number, 2)).toEqual(
      [1, 2].map(
        (n) => `${GS}0109501101530003` + `11${plainDate}` + `21${n}${GS}` + `10${plain.code as string}`,
      ),
    );

    // The plain QR stays the default.
    const url = await ctx.api('POST', '/api/v1/labels', { body: { build: code, serials: '1' } });
    expect(url.body).toMatchObject({ symbol: 'url' });
    expect(await finished(url.body.id as number)).toMatchObject({ status: 'done', symbol: 'url' });
  });

  it('refuses a GTIN with a wrong check digit or length, naming gtin, and a GTIN another part has', async () => {
    const before = await databaseFingerprint(ctx);
    for (const gtin of ['09501101530004', '95011015300', '0950110153000X']) {
      const res = await ctx.api('POST', '/api/v1/parts', { body: { name: 'Pump', gtin } });
      expect(res.status, gtin).toBe(400);
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'gtin' })]);
    }
    const wrong = await ctx.api('POST', '/api/v1/parts', { body: { name: 'Pump', gtin: '09501101530004' } });
    expect((wrong.body.errors as { message: string }[])[0]!.message).toMatch(/check digit.*must be 3/);
    expect(await databaseFingerprint(ctx)).toBe(before);

    const part = await f.part();
    const patch = await ctx.api('PATCH', `/api/v1/parts/${part.code}`, { body: { gtin: '12345670' } });
    expect(patch.status, patch.text).toBe(200);
    expect(patch.body.gtin).toBe('00000012345670');
    const bad = await ctx.api('PATCH', `/api/v1/parts/${part.code}`, { body: { gtin: '12345678' } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'gtin' })]);
    // The same product under another length is the same GTIN.
    const other = await f.part();
    const duplicate = await ctx.api('PATCH', `/api/v1/parts/${other.code}`, { body: { gtin: '12345670' } });
    expect(duplicate.status).toBe(409);
    const same = await ctx.api('POST', '/api/v1/parts', { body: { name: 'Pump B', gtin: '00000012345670' } });
    expect(same.status).toBe(409);
    expect(same.body.detail).toMatch(/another part already has this GTIN/);
    const cleared = await ctx.api('PATCH', `/api/v1/parts/${part.code}`, { body: { gtin: null } });
    expect(cleared.body.gtin).toBeNull();
  });

  it('refuses GS1 codes for a build whose part has no GTIN, or for lots, naming symbol, and changes nothing', async () => {
    const part = await f.part({ name: 'Pump without GTIN', kind: 'subassembly' });
    const build = await trackedBuild(part.code, 2);
    const lot = await f.lot();
    const before = await databaseFingerprint(ctx);
    const noGtin = await ctx.api('POST', '/api/v1/labels', { body: { build: build.code, symbol: 'gs1' } });
    expect(noGtin.status).toBe(400);
    expect(noGtin.body.errors).toEqual([
      { field: 'symbol', message: expect.stringMatching(new RegExp(`part ${part.code} .*has none`)) },
    ]);
    const lots = await ctx.api('POST', '/api/v1/labels', { body: { lots: [lot.code], symbol: 'gs1' } });
    expect(lots.status).toBe(400);
    expect(lots.body.errors).toEqual([expect.objectContaining({ field: 'symbol' })]);
    const unknown = await ctx.api('POST', '/api/v1/labels', { body: { build: build.code, symbol: 'ean' } });
    expect(unknown.body.errors).toEqual([expect.objectContaining({ field: 'symbol' })]);
    expect(await databaseFingerprint(ctx)).toBe(before);
  });

  it('refuses GS1 codes for serials GS1 cannot carry (a space in the serial format), naming symbol', async () => {
    const part = await ctx.api('POST', '/api/v1/parts', {
      body: { name: 'Pump C', kind: 'subassembly', gtin: '10614141000415' },
    });
    const build = await trackedBuild(part.body.code as string, 1, 'PX {seq:04}');
    const res = await ctx.api('POST', '/api/v1/labels', { body: { build: build.code, symbol: 'gs1' } });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      { field: 'symbol', message: expect.stringMatching(/\(21\) 'PX 0001' .*character set 82/) },
    ]);
  });
});
