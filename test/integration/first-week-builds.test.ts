/**
 * Defects a first week of real use found in builds and units (#14, items 1–9), each reproduced
 * through the API with real workers: pairing that names units the build would not consume, scrap
 * without history, scrap from quarantine, progress against unit counts, completion that skips units
 * without naming them, formatted serials that could not be looked up, label serial lists, one form
 * for status filters, and empty lots in lot lists.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { factories } from '../factories.ts';
import { settledBuild, startBackground, type Background } from '../helpers/background.ts';
import { createTestContext, databaseFingerprint, type TestContext } from '../helpers/context.ts';
import { expectLedgerBalanced } from '../helpers/ledger.ts';

let ctx: TestContext;
let bg: Background;
let f: ReturnType<typeof factories>;

beforeAll(async () => {
  ctx = await createTestContext();
  f = factories({ uow: ctx.uow });
  bg = await startBackground(ctx);
});
afterAll(async () => {
  await bg?.stop();
  await ctx?.close();
});

async function post(path: string, body: unknown, status = 202) {
  const res = await ctx.api('POST', `/api/v1${path}`, { body });
  expect(res.status, res.text).toBe(status);
  return res.body;
}

interface Unit {
  code: string;
  serial: number;
  serialLabel: string | null;
  status: string;
}

const units = async (build: string) =>
  (await ctx.api('GET', `/api/v1/builds/${build}/units?limit=500`)).body.items as Unit[];

/** A tracked build of `quantity` devices of a fresh project (R×2, U×1), settled in_progress. */
async function trackedBuild(
  quantity: number,
  options: { stages?: string[]; serialFormat?: string; requiredTests?: string[] } = {},
) {
  const r = await f.part({ name: 'R 10k' });
  const u = await f.part({ name: 'MCU' });
  await f.lot({ part: r.code, quantity: 1_000 });
  await f.lot({ part: u.code, quantity: 500 });
  const project = await f.project({
    serialFormat: options.serialFormat,
    lines: [
      { part: r.code, quantity: 2 },
      { part: u.code, quantity: 1 },
    ],
  });
  if (options.requiredTests)
    expect(
      (
        await ctx.api('PUT', `/api/v1/projects/${project.code}/required-tests`, {
          body: { tests: options.requiredTests },
        })
      ).status,
    ).toBe(200);
  const created = await post(
    '/builds',
    { project: project.code, quantity, trackUnits: true, stages: options.stages ?? ['Assembly'] },
    201,
  );
  const code = (created.build as { code: string }).code;
  await settledBuild(ctx, code, (b) => (b.progress as { generated: number }).generated === quantity);
  return { code, project: project.code, part: project.producesPartCode };
}

/** Modules: a finished tracked build of `n` sub-assembly units; answers their codes in serial order. */
async function modules(n: number) {
  const c = await f.part({ name: 'Cap' });
  await f.lot({ part: c.code, quantity: 1_000 });
  const project = await f.project({ lines: [{ part: c.code, quantity: 1 }] });
  const created = await post('/builds', { project: project.code, quantity: n, trackUnits: true }, 201);
  const code = (created.build as { code: string }).code;
  await settledBuild(ctx, code, (b) => b.status === 'completed');
  return { part: project.producesPartCode, codes: (await units(code)).map((u) => u.code) };
}

describe('1: pairing names the units consumed', () => {
  it('consumes the units a pairing names, not others FIFO, and fits them into the named devices', async () => {
    const mods = await modules(6);
    const project = await f.project({ lines: [{ part: mods.part, quantity: 1 }] });
    // Device 1 gets the fifth module, device 2 the sixth: neither would be first FIFO.
    const created = await post(
      '/builds',
      {
        project: project.code,
        quantity: 2,
        trackUnits: true,
        pairing: [
          { serial: 1, units: [mods.codes[4]] },
          { serial: 2, units: [mods.codes[5]] },
        ],
      },
      201,
    );
    const code = (created.build as { code: string }).code;
    await settledBuild(ctx, code, (b) => b.status === 'completed');
    const consumed = (await ctx.api('GET', `/api/v1/builds/${code}/consumption`)).body.items as {
      lotCode: string;
    }[];
    expect(consumed.map((c) => c.lotCode).sort()).toEqual([mods.codes[4], mods.codes[5]].sort());
    const devices = await units(code);
    for (const [i, device] of devices.entries()) {
      const trace = (await ctx.api('GET', `/api/v1/trace/backward/${device.code}`)).body;
      expect(JSON.stringify(trace)).toContain(mods.codes[4 + i]!);
    }
    // The others are still available.
    for (const m of mods.codes.slice(0, 4))
      expect((await ctx.api('GET', `/api/v1/lots/${m}`)).body.status).toBe('available');
  });

  it('refuses (422, naming each unit and why) a pairing the build would not consume, changing nothing', async () => {
    const mods = await modules(5);
    const project = await f.project({ lines: [{ part: mods.part, quantity: 1 }] });
    const otherBuild = await post(
      '/builds',
      { project: project.code, quantity: 1, trackUnits: true, lots: [{ lot: mods.codes[0] }] },
      201,
    );
    await settledBuild(ctx, (otherBuild.build as { code: string }).code, (b) => b.status === 'completed');
    // The first module is fitted already; the third is quarantined.
    await post(`/lots/${mods.codes[2]}/quarantine`, { reason: 'bent pin' }, 200);
    const stranger = (await f.lot({ quantity: 1 })).code;
    const before = await databaseFingerprint(ctx);
    const refused = await ctx.api('POST', '/api/v1/builds', {
      body: {
        project: project.code,
        quantity: 2,
        trackUnits: true,
        pairing: [
          { serial: 1, units: [mods.codes[0]] },
          { serial: 2, units: [mods.codes[2]] },
        ],
      },
    });
    expect(refused.status, refused.text).toBe(422);
    expect(refused.body.unconsumed).toEqual([
      { serial: 1, unit: mods.codes[0], reason: 'it was consumed already' },
      { serial: 2, unit: mods.codes[2], reason: 'it is quarantined' },
    ]);
    expect(refused.body.detail).toContain(mods.codes[0]);
    // A unit of a part the BOM does not use, and two units for one device, are 400s naming the field.
    const wrongPart = await ctx.api('POST', '/api/v1/builds', {
      body: {
        project: project.code,
        quantity: 1,
        trackUnits: true,
        pairing: [{ serial: 1, units: [stranger] }],
      },
    });
    expect(wrongPart.status).toBe(400);
    expect(wrongPart.body.errors).toEqual([expect.objectContaining({ field: 'pairing.0.units.0' })]);
    const tooMany = await ctx.api('POST', '/api/v1/builds', {
      body: {
        project: project.code,
        quantity: 1,
        trackUnits: true,
        pairing: [{ serial: 1, units: [mods.codes[1], mods.codes[2]] }],
      },
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors).toEqual([expect.objectContaining({ field: 'pairing.0.units.1' })]);
    expect(await databaseFingerprint(ctx)).toBe(before);
  });
});

interface HistoryItem {
  kind: string;
  data: Record<string, unknown>;
}

const history = async (lot: string) =>
  (await ctx.api('GET', `/api/v1/lots/${lot}/history?limit=100`)).body.items as HistoryItem[];

const buildOf = async (code: string) => (await ctx.api('GET', `/api/v1/builds/${code}`)).body;

describe('2, 3: scrapping units of a build', () => {
  it('writes a status_changed history event with the reason for every unit scrapped by serial', async () => {
    const b = await trackedBuild(4);
    const res = await post(
      `/builds/${b.code}/units/scrap`,
      { serials: '1,3', reason: 'cracked housing' },
      200,
    );
    expect(res).toEqual({ scrapped: [1, 3], skipped: [] });
    const list = await units(b.code);
    for (const serial of [1, 3]) {
      const unit = list.find((u) => u.serial === serial)!;
      expect(unit.status).toBe('scrapped');
      expect(await history(unit.code)).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            kind: 'status_changed',
            data: expect.objectContaining({
              from: 'in_production',
              to: 'scrapped',
              reason: 'cracked housing',
            }),
          }),
        ]),
      );
    }
    // The same record as scrapping the device by its code.
    const byCode = list.find((u) => u.serial === 2)!;
    await post(`/lots/${byCode.code}/scrap`, { reason: 'cracked housing' }, 200);
    const [viaBuild, viaCode] = [await history(list[0]!.code), await history(byCode.code)];
    const shape = (h: HistoryItem[]) => h.filter((e) => e.kind === 'status_changed').map((e) => e.data);
    expect(shape(viaCode)).toEqual(shape(viaBuild));
    const again = await ctx.api('POST', `/api/v1/builds/${b.code}/units/scrap`, {
      body: { serials: [1, 9], reason: 'x' },
    });
    expect(again.status).toBe(422);
    expect(again.body.skipped).toEqual([
      { serial: 1, status: 'scrapped', reason: 'it is scrapped already' },
      { serial: 9, status: null, reason: 'no such unit (not generated)' },
    ]);
    expect((await buildOf(b.code)).progress).toMatchObject({ scrapped: 3 });
    await expectLedgerBalanced(ctx);
  });

  it('scraps a unit quarantined by a failed required test, by serial or by code, and counts it', async () => {
    const b = await trackedBuild(3, { requiredTests: ['FCT'] });
    const list = await units(b.code);
    for (const serial of [1, 2])
      await post(`/builds/${b.code}/units/${serial}/test-results`, { test: 'FCT', passed: false }, 201);
    expect((await units(b.code)).filter((u) => u.status === 'quarantined').map((u) => u.serial)).toEqual([
      1, 2,
    ]);
    expect(
      await post(`/builds/${b.code}/units/scrap`, { serials: [1], reason: 'FCT failed twice' }, 200),
    ).toEqual({ scrapped: [1], skipped: [] });
    await post(`/lots/${list[1]!.code}/scrap`, { reason: 'FCT failed, not worth repair' }, 200);
    for (const unit of list.slice(0, 2))
      expect(
        (await history(unit.code)).filter((e) => e.kind === 'status_changed').at(-1)!.data,
      ).toMatchObject({
        from: 'quarantined',
        to: 'scrapped',
      });
    const progress = (await buildOf(b.code)).progress;
    expect(progress).toMatchObject({ scrapped: 2, completed: 0 });
    await expectLedgerBalanced(ctx);
  });
});

describe('4: progress and unit counts say the same', () => {
  it('a cancelled multi-stage build: its unfinished units are cancelled (status, counter, history)', async () => {
    const b = await trackedBuild(5, { stages: ['Assembly', 'Test'] });
    await post(`/builds/${b.code}/units/scrap`, { serials: [5], reason: 'dropped' }, 200);
    await post(`/builds/${b.code}/cancel`, { reason: 'customer withdrew the order' });
    const cancelled = await settledBuild(ctx, b.code, (x) => x.status === 'cancelled');
    expect(cancelled.progress).toEqual({
      generated: 5,
      completed: 0,
      scrapped: 1,
      cancelled: 4,
      quantity: 5,
      generatedPercent: 100,
      completedPercent: 0,
    });
    const detail = (await ctx.api('GET', `/api/v1/builds/${b.code}`)).body;
    expect(detail.unitCounts).toEqual({ scrapped: 1, cancelled: 4 });
    const unit = (await units(b.code)).find((u) => u.serial === 1)!;
    expect(unit.status).toBe('cancelled');
    expect((await history(unit.code)).at(-1)).toMatchObject({
      kind: 'status_changed',
      data: {
        from: 'in_production',
        to: 'cancelled',
        reason: 'build cancelled: customer withdrew the order',
      },
    });
    await expectLedgerBalanced(ctx);
  });

  it('completed and generated percentages are separate; scrapping a completed unit by code moves the counters', async () => {
    const b = await trackedBuild(4, { stages: ['Assembly'] });
    let progress = (await buildOf(b.code)).progress;
    expect(progress).toMatchObject({ generatedPercent: 100, completedPercent: 0, completed: 0 });
    await post(`/builds/${b.code}/advance`, {});
    await settledBuild(ctx, b.code);
    await post(`/builds/${b.code}/complete`, { serials: '1-2' });
    progress = (await settledBuild(ctx, b.code)).progress;
    expect(progress).toMatchObject({ completed: 2, completedPercent: 50 });
    const first = (await units(b.code))[0]!;
    await post(`/lots/${first.code}/scrap`, { reason: 'ESD damage' }, 200);
    const detail = (await ctx.api('GET', `/api/v1/builds/${b.code}`)).body;
    expect(detail.progress).toMatchObject({ completed: 1, scrapped: 1 });
    expect(detail.unitCounts).toEqual({ available: 1, scrapped: 1, in_production: 2 });
  });
});

describe('5: completing a range names the units it skipped', () => {
  it('lists each skipped serial with its status and reason', async () => {
    const b = await trackedBuild(6, { stages: ['Assembly'], requiredTests: ['FCT'] });
    for (const serial of [1, 2, 3, 4, 5, 6])
      await post(
        `/builds/${b.code}/units/${serial}/test-results`,
        { test: 'FCT', passed: serial !== 3 },
        201,
      );
    await post(`/builds/${b.code}/advance`, {});
    await settledBuild(ctx, b.code);
    await post(`/builds/${b.code}/complete`, { serials: '1' });
    await settledBuild(ctx, b.code);
    await post(`/builds/${b.code}/complete`, { serials: '1-4' });
    const settled = await settledBuild(ctx, b.code);
    const op = (settled.operations as { kind: string; result: Record<string, unknown> }[]).at(-1)!;
    expect(op.result).toEqual({
      completed: 2,
      buildCompleted: false,
      skipped: [
        { serial: 1, status: 'available', reason: 'completed already (it is available)' },
        {
          serial: 3,
          status: 'quarantined',
          reason: 'quarantined: release it (back to production) to complete it, or scrap it',
        },
      ],
      skippedCount: 2,
    });
    // Completing the rest: the quarantined unit keeps the build open, and is named.
    await post(`/builds/${b.code}/complete`, {});
    const rest = await settledBuild(ctx, b.code);
    expect((rest.operations as { result: Record<string, unknown> }[]).at(-1)!.result).toMatchObject({
      completed: 2,
      buildCompleted: false,
      skipped: [expect.objectContaining({ serial: 3, status: 'quarantined' })],
    });
  });
});

describe('6: a formatted serial resolves to its device wherever a code is accepted', () => {
  it('GET /codes, /id?code=, /lots?serial=, /lots/{serial} and the device commands', async () => {
    const b = await trackedBuild(3, { serialFormat: `FW${Date.now() % 100_000}-{seq:05}` });
    const device = (await units(b.code))[1]!;
    const label = device.serialLabel!;
    expect(label).toMatch(/^FW\d+-\d{5}$/);

    const resolved = await ctx.api('GET', `/api/v1/codes/${encodeURIComponent(label.toLowerCase())}`);
    expect(resolved.status, resolved.text).toBe(200);
    expect(resolved.body).toMatchObject({ kind: 'lot', code: device.code });

    const page = await fetch(`${ctx.url}/id?code=${encodeURIComponent(label)}`, {
      redirect: 'manual',
      headers: { authorization: `Bearer ${ctx.tokens.viewer}` },
    });
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toBe(`/id/${device.code}`);

    const listed = await ctx.api('GET', `/api/v1/lots?serial=${encodeURIComponent(label)}`);
    expect((listed.body.items as { code: string }[]).map((l) => l.code)).toEqual([device.code]);
    expect((await ctx.api('GET', `/api/v1/lots/${label}`)).body).toMatchObject({ code: device.code });
    expect((await ctx.api('GET', `/api/v1/trace/backward/${label}`)).status).toBe(200);
    await post(`/lots/${label}/notes`, { text: 'looked up by its printed serial' }, 201);

    // The document says so: a client generated from it may send the serial (no ID-code pattern).
    const doc = (await ctx.api('GET', '/api/v1/openapi.json', { role: null })).body as {
      paths: Record<
        string,
        Record<string, { parameters?: { name: string; schema: Record<string, unknown> }[] }>
      >;
    };
    for (const [path, method] of [
      ['/lots/{code}', 'get'],
      ['/lots/{code}/scrap', 'post'],
      ['/trace/backward/{code}', 'get'],
      ['/codes/{code}', 'get'],
    ] as const) {
      const schema = doc.paths[path]![method]!.parameters!.find((p) => p.name === 'code')!.schema;
      expect(schema.pattern, path).toBeUndefined();
      expect(String(schema.description), path).toContain('formatted serial');
    }

    // Neither an ID code nor a formatted serial: 400 naming the field, saying both.
    const neither = await ctx.api('GET', '/api/v1/codes/NOPE-0000-99999');
    expect(neither.status).toBe(400);
    expect(neither.body.errors).toEqual([
      expect.objectContaining({
        field: 'code',
        message: expect.stringContaining('nor the formatted serial'),
      }),
    ]);
  });
});

describe('9: lot lists leave out empty lots unless asked', () => {
  it('GET /lots?status=available skips quantity-0 lots (fitted modules), empty=true shows them', async () => {
    const mods = await modules(2);
    const project = await f.project({ lines: [{ part: mods.part, quantity: 1 }] });
    const created = await post('/builds', { project: project.code, quantity: 1, trackUnits: true }, 201);
    await settledBuild(ctx, (created.build as { code: string }).code, (b) => b.status === 'completed');
    const list = async (query: string) =>
      (
        (await ctx.api('GET', `/api/v1/lots?part=${mods.part}&limit=100${query}`)).body.items as {
          code: string;
          quantity: number;
        }[]
      ).map((l) => [l.code, l.quantity]);
    expect(await list('&status=available')).toEqual([[mods.codes[1], 1]]);
    expect(await list('&status=available&empty=true')).toEqual([
      [mods.codes[0], 0],
      [mods.codes[1], 1],
    ]);
    const bad = await ctx.api('GET', '/api/v1/lots?empty=maybe');
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'empty' })]);
  });
});

describe('7: labels take the same serial grammar and leave scrapped and cancelled units out', () => {
  it('serials as a list of ranges; a whole-build run skips scrapped units unless includeScrapped', async () => {
    const b = await trackedBuild(6);
    await post(`/builds/${b.code}/units/scrap`, { serials: [2], reason: 'tombstoned part' }, 200);
    const labels = async (body: Record<string, unknown>) => {
      const res = await ctx.api('POST', '/api/v1/labels', { body: { build: b.code, ...body } });
      expect(res.status, res.text).toBe(202);
      return res.body as { total: number; source: Record<string, unknown> };
    };
    const listed = await labels({ serials: '1-3,5' });
    expect(listed.total).toBe(3);
    expect(listed.source).toEqual({ kind: 'build', build: b.code, serials: '1-3,5', includeScrapped: false });
    expect((await labels({ serials: [6, 5, 1] })).source).toMatchObject({ serials: '1,5-6' });
    expect((await labels({})).total).toBe(5);
    expect((await labels({ includeScrapped: true })).total).toBe(6);
    const outside = await ctx.api('POST', '/api/v1/labels', { body: { build: b.code, serials: '1-3,9' } });
    expect(outside.status).toBe(400);
    expect(outside.body.errors).toEqual([expect.objectContaining({ field: 'serials' })]);
    const onlyScrapped = await ctx.api('POST', '/api/v1/labels', { body: { build: b.code, serials: '2' } });
    expect(onlyScrapped.status).toBe(422);
    expect(onlyScrapped.body.detail).toContain('includeScrapped');
  });
});

describe('8: status filters take a list or comma-separated text, in trace and recall alike', () => {
  it('the same answer from either form', async () => {
    const reel = await f.part({ name: 'Reel part' });
    const reelLot = await f.lot({ part: reel.code, quantity: 100 });
    const project = await f.project({ lines: [{ part: reel.code, quantity: 1 }] });
    const created = await post('/builds', { project: project.code, quantity: 3, trackUnits: true }, 201);
    const code = (created.build as { code: string }).code;
    await settledBuild(ctx, code, (x) => x.status === 'completed');
    await post(`/builds/${code}/units/scrap`, { serials: [1], reason: 'x' }, 200);
    const forward = async (query: string) =>
      (await ctx.api('GET', `/api/v1/trace/forward/${reelLot.code}?unitsOnly=true&${query}`)).body;
    const text = await forward('status=scrapped,available');
    expect(await forward('status=scrapped&status=available')).toEqual(text);
    const recall = async (status: unknown) => {
      const res = await ctx.api('POST', '/api/v1/recalls', {
        body: { lot: reelLot.code, reason: 'reel out of tolerance', unitsOnly: 'true', status },
      });
      expect(res.status, res.text).toBe(202);
      return res.body.filter;
    };
    expect(await recall('scrapped, available')).toEqual(await recall(['scrapped', 'available']));
    const bad = await ctx.api('POST', '/api/v1/recalls', {
      body: { lot: reelLot.code, reason: 'x', status: ['available', 'lost'] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'status.1' })]);
  });
});
