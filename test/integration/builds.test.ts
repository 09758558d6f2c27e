/**
 * Builds through the API and real workers (relay + BullMQ on Redis): shortage answers, FIFO and
 * named consumption, untracked and tracked builds, serial numbers and formats, stages, partial
 * completion, scrap, cancel, unit-to-unit pairing over a three-level BOM, and idempotency.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { factories } from '../factories.ts';
import { settledBuild, startBackground, type Background } from '../helpers/background.ts';
import { createTestContext, databaseFingerprint, type TestContext } from '../helpers/context.ts';
import { expectLedgerBalanced } from '../helpers/ledger.ts';
import { makeKit, requestBuild } from '../helpers/builds.ts';

let ctx: TestContext;
let bg: Background;
let f: ReturnType<typeof factories>;

/** A fresh project (R×2, C×1, U×1 per unit) with stock: two R lots (older first), C and U. */
async function kit(options: { serialFormat?: string; uStock?: number } = {}) {
  const k = await makeKit(f, {
    rLots: [
      { quantity: 100, supplier: 'Mouser', dateCode: '2601' },
      { quantity: 500, supplier: 'DigiKey', dateCode: '2630' },
    ],
    cStock: 1000,
    uStock: 50,
    designators: true,
    ...options,
  });
  return { ...k, lots: { ...k.lots, r2: k.lots.r2!, c: k.lots.c! } };
}

const lotQuantity = async (code: string) =>
  (await ctx.api('GET', `/api/v1/lots/${code}`)).body.quantity as number;

const build = (body: Record<string, unknown>) => requestBuild(ctx, body);

async function streamEvents(code: string) {
  return (
    await ctx
      .db('events')
      .where({ stream: `build:${code}` })
      .orderBy('sequence')
  ).map((e: { type: string; sequence: number }) => `${e.sequence}:${e.type}`);
}

async function settledRecall(id: number) {
  for (let i = 0; i < 400; i++) {
    const res = await ctx.api('GET', `/api/v1/recalls/${id}`);
    if (res.body.status !== 'queued') return res.body;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('recall did not finish');
}

beforeAll(async () => {
  ctx = await createTestContext({ env: { JOB_LOCK_MS: '5000', GENERATION_CHUNK_SIZE: '10' } });
  f = factories({ uow: ctx.uow });
  bg = await startBackground(ctx);
});
afterAll(async () => {
  await bg?.stop();
  await ctx?.close();
});

describe('starting a build', () => {
  it('answers a shortage with the full list and changes nothing', async () => {
    const k = await kit({ uStock: 50 });
    const before = await databaseFingerprint(ctx);
    const res = await ctx.api('POST', '/api/v1/builds', { body: { project: k.project, quantity: 60 } });
    expect(res.status, res.text).toBe(422);
    expect(res.body.shortages).toEqual([{ part: k.parts.u, partName: 'MCU', needed: 60, available: 50 }]);
    expect(res.body.detail).toMatch(/MCU .* needs 60, 50 available/);
    expect(await databaseFingerprint(ctx)).toBe(before);
  });

  it('consumes component lots FIFO and completes a single-stage build with one lot of stock', async () => {
    const k = await kit();
    const code = await build({ project: k.project, quantity: 10 });
    const done = await settledBuild(ctx, code, (b) => b.status === 'completed');
    expect(done.progress).toMatchObject({ completed: 10, quantity: 10, completedPercent: 100 });
    expect(await lotQuantity(k.lots.r1)).toBe(80);
    expect(await lotQuantity(k.lots.r2)).toBe(500);
    const consumption = (await ctx.api('GET', `/api/v1/builds/${code}/consumption`)).body.items as {
      lotCode: string;
      quantity: number;
      supplier: string;
    }[];
    expect(consumption.map((c) => [c.lotCode, c.quantity])).toEqual([
      [k.lots.r1, 20],
      [k.lots.c, 10],
      [k.lots.u, 10],
    ]);
    const produced = await ctx.api('GET', `/api/v1/lots?part=${k.producedPart}`);
    expect(produced.body.items).toEqual([
      expect.objectContaining({ quantity: 10, status: 'available', buildCode: code, source: 'build' }),
    ]);
    expect(await streamEvents(code)).toEqual(['1:build.started', '2:build.completed']);
    await expectLedgerBalanced(ctx);
  });

  it('takes from the next lot when the oldest runs out, and uses named lots instead of FIFO', async () => {
    const k = await kit({ uStock: 100 });
    const code = await build({ project: k.project, quantity: 60 });
    await settledBuild(ctx, code, (b) => b.status === 'completed');
    expect([await lotQuantity(k.lots.r1), await lotQuantity(k.lots.r2)]).toEqual([0, 480]);

    const named = await build({ project: k.project, quantity: 5, lots: [{ lot: k.lots.r2.toLowerCase() }] });
    await settledBuild(ctx, named, (b) => b.status === 'completed');
    expect(await lotQuantity(k.lots.r2)).toBe(470);
  });

  it('refuses a named lot of a part the BOM does not use', async () => {
    const k = await kit();
    const other = await f.lot();
    const res = await ctx.api('POST', '/api/v1/builds', {
      body: { project: k.project, quantity: 1, lots: [{ lot: other.code }] },
    });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'lots.0.lot' })]);
  });
});

describe('tracked builds', () => {
  it('gives every device its own lot, serial 1..N and a formatted serial, then completes', async () => {
    const k = await kit({ serialFormat: 'SM-{seq:04}' });
    const code = await build({ project: k.project, quantity: 25, trackUnits: true });
    const done = await settledBuild(ctx, code, (b) => b.status === 'completed');
    expect(done.progress).toMatchObject({ generated: 25, completed: 25 });
    const units = (await ctx.api('GET', `/api/v1/builds/${code}/units?limit=100`)).body.items as {
      serial: number;
      serialLabel: string;
      quantity: number;
      status: string;
      code: string;
    }[];
    expect(units.map((u) => u.serial)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(units[0]).toMatchObject({ serialLabel: 'SM-0001', quantity: 1, status: 'available' });
    expect(new Set(units.map((u) => u.code)).size).toBe(25);

    const seven = await ctx.api('GET', `/api/v1/builds/${code.toLowerCase()}/units/7`);
    expect(seven.body).toMatchObject({ serial: 7, serialLabel: 'SM-0007', buildCode: code });
    expect((await ctx.api('GET', `/api/v1/codes/${seven.body.code as string}`)).body.kind).toBe('lot');
    expect((await ctx.api('GET', `/api/v1/builds/${code}/units/26`)).status).toBe(404);
    expect(await streamEvents(code)).toEqual(['1:build.started', '2:lots.generated', '3:build.completed']);

    // The per-part counter never repeats: the next build continues where this one ended.
    const next = await build({ project: k.project, quantity: 2, trackUnits: true });
    await settledBuild(ctx, next, (b) => b.status === 'completed');
    const nextUnits = (await ctx.api('GET', `/api/v1/builds/${next}/units`)).body.items as {
      serial: number;
      serialLabel: string;
    }[];
    expect(nextUnits.map((u) => [u.serial, u.serialLabel])).toEqual([
      [1, 'SM-0026'],
      [2, 'SM-0027'],
    ]);
    await expectLedgerBalanced(ctx);
  });

  it('runs a multi-stage build: stages, partial completion, scrap, completion', async () => {
    const k = await kit();
    const code = await build({
      project: k.project,
      quantity: 5,
      trackUnits: true,
      stages: ['Assembly', 'Test'],
    });
    let b = await settledBuild(ctx, code, (x) => (x.progress as { generated: number }).generated === 5);
    expect(b.status).toBe('in_progress');
    expect((b.unitCounts as Record<string, number>).in_production).toBe(5);

    const early = await ctx.api('POST', `/api/v1/builds/${code}/complete`, { body: {} });
    expect(early.status).toBe(422);
    expect(early.body.detail).toMatch(/stage 'Assembly' .* not completed/);

    expect(
      (await ctx.api('POST', `/api/v1/builds/${code}/advance`, { body: { comment: 'all placed' } })).status,
    ).toBe(202);
    await settledBuild(ctx, code);
    const wrong = await ctx.api('POST', `/api/v1/builds/${code}/advance`, { body: { stage: 'Assembly' } });
    expect(wrong.status).toBe(422);
    const second = await ctx.api('POST', `/api/v1/builds/${code}/advance`, { body: { stage: 'test' } });
    expect(second.status, second.text).toBe(202);
    b = await settledBuild(ctx, code);
    expect(
      (b.stages as { name: string; completedAt: string | null; comment: string | null }[]).map((s) => [
        s.name,
        s.completedAt !== null,
        s.comment,
      ]),
    ).toEqual([
      ['Assembly', true, 'all placed'],
      ['Test', true, null],
    ]);

    expect(
      (await ctx.api('POST', `/api/v1/builds/${code}/complete`, { body: { serials: '1-2' } })).status,
    ).toBe(202);
    b = await settledBuild(ctx, code);
    expect(b.status).toBe('in_progress');
    expect(b.unitCounts).toEqual({ available: 2, in_production: 3 });

    const scrap = await ctx.api('POST', `/api/v1/builds/${code}/units/scrap`, {
      body: { serials: [3], reason: 'cracked solder joint' },
    });
    expect(scrap.status, scrap.text).toBe(200);
    expect(scrap.body).toEqual({ scrapped: [3], skipped: [] });

    expect((await ctx.api('POST', `/api/v1/builds/${code}/complete`, { body: {} })).status).toBe(202);
    b = await settledBuild(ctx, code, (x) => x.status === 'completed');
    expect(b.progress).toMatchObject({ completed: 4, scrapped: 1 });
    expect(b.unitCounts).toEqual({ available: 4, scrapped: 1 });
    expect(await streamEvents(code)).toEqual([
      '1:build.started',
      '2:lots.generated',
      '3:build.stage_completed',
      '4:build.stage_completed',
      '5:build.units_completed',
      '6:build.completed',
    ]);
    await expectLedgerBalanced(ctx);
  });

  it('cancels a multi-stage build: components of unfinished units go back, in-production units are removed', async () => {
    const k = await kit();
    const code = await build({ project: k.project, quantity: 4, trackUnits: true, stages: ['Assembly'] });
    await settledBuild(ctx, code, (x) => (x.progress as { generated: number }).generated === 4);
    expect([await lotQuantity(k.lots.r1), await lotQuantity(k.lots.u)]).toEqual([92, 46]);
    await ctx.api('POST', `/api/v1/builds/${code}/advance`, { body: {} });
    await settledBuild(ctx, code);
    await ctx.api('POST', `/api/v1/builds/${code}/complete`, { body: { serials: [1] } });
    await settledBuild(ctx, code);

    const res = await ctx.api('POST', `/api/v1/builds/${code}/cancel`, {
      body: { reason: 'customer order withdrawn' },
    });
    expect(res.status, res.text).toBe(202);
    const b = await settledBuild(ctx, code, (x) => x.status === 'cancelled');
    expect(b.unitCounts).toEqual({ available: 1, cancelled: 3 });
    expect(b.progress).toMatchObject({ completed: 1, scrapped: 0, cancelled: 3 });
    // Three unfinished units: 6 resistors, 3 capacitors and 3 MCUs return to the lots they came from.
    expect([await lotQuantity(k.lots.r1), await lotQuantity(k.lots.c), await lotQuantity(k.lots.u)]).toEqual([
      98, 999, 49,
    ]);
    const consumption = (await ctx.api('GET', `/api/v1/builds/${code}/consumption`)).body.items as {
      lotCode: string;
      quantity: number;
      returned: number;
    }[];
    expect(consumption.find((c) => c.lotCode === k.lots.u)).toMatchObject({ quantity: 4, returned: 3 });
    const ledger = (await ctx.api('GET', `/api/v1/lots/${k.lots.u}/ledger`)).body.items as {
      reason: string;
      delta: number;
      buildCode: string | null;
    }[];
    expect(ledger.map((l) => [l.reason, l.delta])).toEqual([
      ['receive', 50],
      ['build_consume', -4],
      ['build_return', 3],
    ]);
    expect(ledger[1]!.buildCode).toBe(code);
    expect((await streamEvents(code)).at(-1)).toMatch(/build.cancelled$/);
    const again = await ctx.api('POST', `/api/v1/builds/${code}/complete`, { body: {} });
    expect(again.status).toBe(422);
    await expectLedgerBalanced(ctx);
  });
});

describe('idempotency and concurrency', () => {
  it('gives one effect and one event for the same start sent twice', async () => {
    const k = await kit();
    const code = await build({ project: k.project, quantity: 3, start: false });
    const first = await ctx.api('POST', `/api/v1/builds/${code}/start`, { body: {} });
    const second = await ctx.api('POST', `/api/v1/builds/${code}/start`, { body: {} });
    expect([first.status, second.status]).toEqual([202, 202]);
    expect((second.body.operation as { id: number }).id).toBe((first.body.operation as { id: number }).id);
    await settledBuild(ctx, code, (b) => b.status === 'completed');
    const third = await ctx.api('POST', `/api/v1/builds/${code}/start`, { body: {} });
    expect(third.body.operation as { id: number; status: string }).toMatchObject({
      id: (first.body.operation as { id: number }).id,
      status: 'done',
    });
    expect(await lotQuantity(k.lots.u)).toBe(47);
    expect(await streamEvents(code)).toEqual(['1:build.started', '2:build.completed']);
  });

  it('gives one completion and one event for 20 concurrent completes', async () => {
    const k = await kit();
    const code = await build({ project: k.project, quantity: 6, trackUnits: true, stages: ['Assembly'] });
    await settledBuild(ctx, code, (x) => (x.progress as { generated: number }).generated === 6);
    await ctx.api('POST', `/api/v1/builds/${code}/advance`, { body: {} });
    await settledBuild(ctx, code);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => ctx.api('POST', `/api/v1/builds/${code}/complete`, { body: {} })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(202));
    expect(new Set(answers.map((a) => (a.body.operation as { id: number }).id)).size).toBe(1);
    await settledBuild(ctx, code, (b) => b.status === 'completed');
    const events = await streamEvents(code);
    expect(events.filter((e) => e.endsWith('build.completed'))).toHaveLength(1);
    expect(
      await ctx
        .db('build_operations')
        .where({ kind: 'complete' })
        .whereIn('build_id', ctx.db('builds').select('id').where({ code })),
    ).toHaveLength(1);
  });

  it('refuses operations that do not fit the build', async () => {
    const k = await kit();
    const code = await build({ project: k.project, quantity: 2 });
    await settledBuild(ctx, code, (b) => b.status === 'completed');
    const cancel = await ctx.api('POST', `/api/v1/builds/${code}/cancel`, { body: { reason: 'x' } });
    expect(cancel.status).toBe(422);
    expect(cancel.body.detail).toMatch(/it is completed/);
    const advance = await ctx.api('POST', `/api/v1/builds/${code}/advance`, { body: {} });
    expect(advance.status).toBe(422);
    const pairing = await ctx.api('POST', '/api/v1/builds', {
      body: { project: k.project, quantity: 2, pairing: [{ serial: 1, units: [k.lots.u] }] },
    });
    expect(pairing.status).toBe(400);
    expect(pairing.body.errors).toEqual([expect.objectContaining({ field: 'pairing' })]);
    const tracked = await ctx.api('POST', '/api/v1/builds', {
      body: { project: k.project, quantity: 2, trackUnits: true, addStock: false },
    });
    expect(tracked.status).toBe(400);
    expect(tracked.body.errors).toEqual([expect.objectContaining({ field: 'addStock' })]);
  });
});

describe('three-level BOM with serialized sub-assemblies', () => {
  it('links each device to the sub-assembly units it contains, as named or in order', async () => {
    const k = await kit({ serialFormat: 'MOD-{seq:03}' });
    const moduleBuild = await build({ project: k.project, quantity: 6, trackUnits: true });
    await settledBuild(ctx, moduleBuild, (b) => b.status === 'completed');
    const modules = (
      (await ctx.api('GET', `/api/v1/builds/${moduleBuild}/units`)).body.items as {
        code: string;
        serial: number;
      }[]
    ).map((m) => m.code);

    const screw = await f.part({ name: 'Screw M2' });
    await f.lot({ part: screw.code, quantity: 100 });
    const board = await f.project({
      name: `Board ${Date.now()}`,
      lines: [
        { part: k.producedPart, quantity: 2 },
        { part: screw.code, quantity: 4 },
      ],
    });
    const boardBuild = await build({
      project: board.code,
      quantity: 3,
      trackUnits: true,
      pairing: [{ serial: 2, units: [modules[5]!, modules[4]!] }],
    });
    await settledBuild(ctx, boardBuild, (b) => b.status === 'completed');
    const boards = (await ctx.api('GET', `/api/v1/builds/${boardBuild}/units`)).body.items as {
      code: string;
      id?: number;
    }[];

    const links = await ctx
      .db('unit_links as k')
      .join('lots as p', 'p.id', 'k.parent_lot_id')
      .join('lots as c', 'c.id', 'k.child_lot_id')
      .whereIn(
        'p.code',
        boards.map((b) => b.code),
      )
      .orderBy(['p.serial', 'k.id'])
      .select('p.serial as device', 'c.code as module');
    expect(links.map((l: { device: number; module: string }) => [l.device, l.module])).toEqual([
      [1, modules[0]],
      [1, modules[1]],
      [2, modules[5]],
      [2, modules[4]],
      [3, modules[2]],
      [3, modules[3]],
    ]);

    // Third level: a station holding one board.
    const station = await f.project({
      name: `Station ${Date.now()}`,
      lines: [{ part: board.producesPartCode, quantity: 1 }],
    });
    const stationBuild = await build({ project: station.code, quantity: 3, trackUnits: true });
    await settledBuild(ctx, stationBuild, (b) => b.status === 'completed');
    const stationLinks = await ctx
      .db('unit_links')
      .where({ parent_build_id: ctx.db('builds').select('id').where({ code: stationBuild }) });
    expect(stationLinks).toHaveLength(3);
    await expectLedgerBalanced(ctx);

    // Backward: station 2 → board 2 (its build's screws) → modules 6 and 5 → their R, C, U lots.
    const stations = (await ctx.api('GET', `/api/v1/builds/${stationBuild}/units`)).body.items as {
      code: string;
    }[];
    const back = await ctx.api('GET', `/api/v1/trace/backward/${stations[1]!.code}`);
    expect(back.status, back.text).toBe(200);
    type Node = {
      lot: { code: string; partName: string; supplier: string | null; serial: number | null };
      build: { code: string } | null;
      components: { quantity: number; node: Node }[];
      contains: Node[];
    };
    const tree = back.body as unknown as Node;
    expect(tree.build?.code).toBe(stationBuild);
    expect(tree.contains).toHaveLength(1);
    const boardNode = tree.contains[0]!;
    expect(boardNode.lot.serial).toBe(2);
    expect(boardNode.components.map((c) => [c.node.lot.partName, c.quantity])).toEqual([['Screw M2', 12]]);
    expect(boardNode.contains.map((m) => m.lot.code)).toEqual([modules[5], modules[4]]);
    const moduleNode = boardNode.contains[0]!;
    expect(moduleNode.components.map((c) => [c.node.lot.code, c.node.lot.supplier])).toEqual([
      [k.lots.r1, 'Mouser'],
      [k.lots.c, 'Mouser'],
      [k.lots.u, 'Mouser'],
    ]);

    // Forward from the resistor reel: 6 modules, the 3 boards holding them, the 3 stations holding those.
    const forward = await ctx.api('GET', `/api/v1/trace/forward/${k.lots.r1}?limit=5`);
    expect(forward.status, forward.text).toBe(200);
    expect(forward.body).toMatchObject({ total: 12, byStatus: { available: 12 } });
    expect(
      (forward.body.builds as { code: string; depth: number; affected: number }[]).map((b) => [
        b.code,
        b.depth,
        b.affected,
      ]),
    ).toEqual([
      [moduleBuild, 1, 6],
      [boardBuild, 2, 3],
      [stationBuild, 3, 3],
    ]);
    expect(forward.body.items).toHaveLength(5);
    const rest = await ctx.api(
      'GET',
      `/api/v1/trace/forward/${k.lots.r1}?limit=50&cursor=${forward.body.nextCursor as string}`,
    );
    expect((rest.body.items as unknown[]).length).toBe(7);

    // From one module: exactly the board and the station that hold it.
    const one = await ctx.api('GET', `/api/v1/trace/forward/${modules[5]}`);
    expect(
      (one.body.items as { serial: number; buildCode: string }[]).map((i) => [i.buildCode, i.serial]),
    ).toEqual([
      [boardBuild, 2],
      [stationBuild, 2],
    ]);
    // Filters: by status, and by build date.
    expect((await ctx.api('GET', `/api/v1/trace/forward/${k.lots.r1}?status=shipped`)).body.total).toBe(0);
    expect(
      (await ctx.api('GET', `/api/v1/trace/forward/${k.lots.r1}?from=2000-01-01&to=2000-12-31`)).body.total,
    ).toBe(0);
    expect(
      (await ctx.api('GET', `/api/v1/trace/forward/${k.lots.r1}?status=available,shipped&unitsOnly=true`))
        .body.total,
    ).toBe(12);
    const bad = await ctx.api('GET', `/api/v1/trace/forward/${k.lots.r1}?status=lost`);
    expect(bad.status).toBe(400);

    // A recall report: every device containing the reel, written to CSV by a worker, announced once,
    // with the customer of a device that was shipped.
    const shipped = await ctx.api('POST', `/api/v1/lots/${stations[1]!.code}/ship`, {
      body: { customer: 'ACME Weather, Inc.', order: 'SO-7' },
    });
    expect(shipped.status, shipped.text).toBe(200);
    // The pages after the first share its reach and counts (for a minute, see forwardSnapshot): a
    // cursor page still counts the station as available; a new trace counts it shipped.
    const later = await ctx.api(
      'GET',
      `/api/v1/trace/forward/${k.lots.r1}?limit=50&cursor=${forward.body.nextCursor as string}`,
    );
    expect(later.body).toMatchObject({ total: 12, byStatus: { available: 12 } });
    expect((await ctx.api('GET', `/api/v1/trace/forward/${k.lots.r1}?limit=5`)).body).toMatchObject({
      total: 12,
      byStatus: { available: 11, shipped: 1 },
    });
    const recall = await ctx.api('POST', '/api/v1/recalls', {
      body: { lot: k.lots.r1, reason: 'resistor batch out of tolerance', unitsOnly: true },
    });
    expect(recall.status, recall.text).toBe(202);
    const id = recall.body.id as number;
    const ready = await settledRecall(id);
    expect(ready).toMatchObject({ status: 'done', devices: 12, report: `/api/v1/recalls/${id}/report.csv` });
    const csv = await fetch(`${ctx.url}/api/v1/recalls/${id}/report.csv`, {
      headers: { authorization: `Bearer ${ctx.tokens.viewer}` },
    });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines[0]).toBe('lot,part_code,part,serial,formatted_serial,build,status,location,customer,depth');
    expect(lines).toHaveLength(13);
    expect(lines.filter((l) => l.includes(stationBuild))).toHaveLength(3);
    expect(lines.find((l) => l.startsWith(stations[1]!.code))).toMatch(
      /,shipped,[^,]*,"ACME Weather, Inc\.",3$/,
    );
    expect(await ctx.db('events').where({ type: 'recall.ready' })).toHaveLength(1);
  });
});
