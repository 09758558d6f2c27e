/**
 * Build options and the paths around them, through the API and real workers: who completed each
 * stage (and when, with what comment), builds without sub-assembly stock, untracked multi-stage
 * builds (stock in production until complete; cancel), the serial-format counter across a cancel,
 * the shortage answer of a separate start, progress while a large tracked build generates its units,
 * and the trace and recall filters that keep only some devices.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateUnits } from '../../src/commands/builds.ts';
import { factories } from '../factories.ts';
import { settledBuild, startBackground, waitFor, type Background } from '../helpers/background.ts';
import { createTestContext, databaseFingerprint, type TestContext } from '../helpers/context.ts';
import { expectLedgerBalanced } from '../helpers/ledger.ts';
import { makeKit, requestBuild } from '../helpers/builds.ts';

const CHUNK = 1_000;

let ctx: TestContext;
let bg: Background;
let f: ReturnType<typeof factories>;

/** A fresh project (R×2 and U×1 per unit) with one lot of each. */
const kit = (options: { serialFormat?: string; rStock?: number; uStock?: number } = {}) =>
  makeKit(f, {
    serialFormat: options.serialFormat,
    rLots: [{ quantity: options.rStock ?? 1_000 }],
    uStock: options.uStock ?? 100,
  });

const build = (body: Record<string, unknown>) => requestBuild(ctx, body);

const lotQuantity = async (code: string) =>
  (await ctx.api('GET', `/api/v1/lots/${code}`)).body.quantity as number;

interface LotShown {
  code: string;
  quantity: number;
  status: string;
  buildCode: string | null;
}

const producedLots = async (part: string) =>
  (await ctx.api('GET', `/api/v1/lots?part=${part}&limit=100&empty=true`)).body.items as LotShown[];

const units = async (code: string) =>
  (await ctx.api('GET', `/api/v1/builds/${code}/units?limit=500`)).body.items as {
    code: string;
    serial: number;
    serialLabel: string | null;
    status: string;
  }[];

const generated = (n: number) => (b: Record<string, unknown>) =>
  (b.progress as { generated: number }).generated === n;

async function settledRecall(id: number) {
  return waitFor(async () => {
    const res = await ctx.api('GET', `/api/v1/recalls/${id}`);
    return res.body.status !== 'queued' ? res.body : undefined;
  }, `recall ${id}`);
}

async function recallReport(id: number): Promise<string[]> {
  const csv = await fetch(`${ctx.url}/api/v1/recalls/${id}/report.csv`, {
    headers: { authorization: `Bearer ${ctx.tokens.viewer}` },
  });
  expect(csv.status).toBe(200);
  return (await csv.text()).trim().split('\r\n').slice(1);
}

beforeAll(async () => {
  ctx = await createTestContext({ env: { GENERATION_CHUNK_SIZE: String(CHUNK) } });
  f = factories({ uow: ctx.uow });
  bg = await startBackground(ctx);
});
afterAll(async () => {
  await bg?.stop();
  await ctx?.close();
});

describe('stages', () => {
  it('records who completed each stage, when, and their comment', async () => {
    const k = await kit();
    const code = await build({ project: k.project, quantity: 2, stages: ['Assembly', 'Test', 'Pack'] });
    await settledBuild(ctx, code, (b) => b.status === 'in_progress');

    const first = await ctx.api('POST', `/api/v1/builds/${code}/advance`, {
      role: 'operator',
      body: { comment: 'reflow profile B' },
    });
    expect(first.status, first.text).toBe(202);
    await settledBuild(ctx, code);
    const second = await ctx.api('POST', `/api/v1/builds/${code}/advance`, {
      role: 'admin',
      body: { stage: 'Test', comment: 'all 2 pass' },
    });
    expect(second.status, second.text).toBe(202);
    const b = await settledBuild(ctx, code);

    const stages = b.stages as {
      position: number;
      name: string;
      completedAt: string | null;
      completedBy: string | null;
      comment: string | null;
    }[];
    expect(stages.map((s) => [s.name, s.completedBy, s.comment])).toEqual([
      ['Assembly', 'token:test-operator', 'reflow profile B'],
      ['Test', 'token:test-admin', 'all 2 pass'],
      ['Pack', null, null],
    ]);
    expect(stages[2]!.completedAt).toBeNull();
    const [assembly, test] = stages.map((s) => Date.parse(s.completedAt ?? ''));
    expect(assembly).toBeLessThanOrEqual(test!);
    expect(Date.parse(b.startedAt as string)).toBeLessThanOrEqual(assembly!);

    // The events say the same.
    const events = (await ctx
      .db('events')
      .where({ stream: `build:${code}`, type: 'build.stage_completed' })
      .orderBy('sequence')) as { data: { stage: string; actor: string; comment: string | null } }[];
    expect(events.map((e) => [e.data.stage, e.data.actor, e.data.comment])).toEqual([
      ['Assembly', 'token:test-operator', 'reflow profile B'],
      ['Test', 'token:test-admin', 'all 2 pass'],
    ]);
  });
});

describe('sub-assembly stock', () => {
  it('addStock: false consumes components and makes no stock', async () => {
    const k = await kit();
    const code = await build({ project: k.project, quantity: 4, addStock: false });
    const b = await settledBuild(ctx, code, (x) => x.status === 'completed');
    expect(b).toMatchObject({ addStock: false, progress: { completed: 4, quantity: 4 } });
    expect([await lotQuantity(k.lots.r1), await lotQuantity(k.lots.u)]).toEqual([992, 96]);
    const consumption = (await ctx.api('GET', `/api/v1/builds/${code}/consumption`)).body.items as {
      lotCode: string;
      quantity: number;
    }[];
    expect(consumption.map((c) => [c.lotCode, c.quantity])).toEqual([
      [k.lots.r1, 8],
      [k.lots.u, 4],
    ]);
    expect(await producedLots(k.producedPart)).toEqual([]);
    expect(await ctx.db('lots').whereIn('build_id', ctx.db('builds').select('id').where({ code }))).toEqual(
      [],
    );
    await expectLedgerBalanced(ctx);
  });

  it('an untracked multi-stage build keeps its stock in production until complete, then available', async () => {
    const k = await kit();
    const code = await build({ project: k.project, quantity: 5, stages: ['Assembly', 'Test'] });
    await settledBuild(ctx, code, (b) => b.status === 'in_progress');
    let lots = await producedLots(k.producedPart);
    expect(lots).toEqual([
      expect.objectContaining({ quantity: 5, status: 'in_production', buildCode: code }),
    ]);
    for (const stage of ['Assembly', 'Test']) {
      expect((await ctx.api('POST', `/api/v1/builds/${code}/advance`, { body: { stage } })).status).toBe(202);
      await settledBuild(ctx, code);
      expect((await producedLots(k.producedPart))[0]!.status).toBe('in_production');
    }
    expect((await ctx.api('POST', `/api/v1/builds/${code}/complete`, { body: {} })).status).toBe(202);
    const b = await settledBuild(ctx, code, (x) => x.status === 'completed');
    expect(b.progress).toMatchObject({ completed: 5, quantity: 5 });
    lots = await producedLots(k.producedPart);
    expect(lots).toEqual([expect.objectContaining({ quantity: 5, status: 'available', buildCode: code })]);
    await expectLedgerBalanced(ctx);
  });

  it('cancelling an untracked multi-stage build removes its in-production stock and returns components', async () => {
    const k = await kit();
    const code = await build({ project: k.project, quantity: 6, stages: ['Assembly'] });
    await settledBuild(ctx, code, (b) => b.status === 'in_progress');
    expect([await lotQuantity(k.lots.r1), await lotQuantity(k.lots.u)]).toEqual([988, 94]);
    const [produced] = await producedLots(k.producedPart);
    expect(produced).toMatchObject({ quantity: 6, status: 'in_production' });

    const res = await ctx.api('POST', `/api/v1/builds/${code}/cancel`, {
      body: { reason: 'wrong revision' },
    });
    expect(res.status, res.text).toBe(202);
    await settledBuild(ctx, code, (b) => b.status === 'cancelled');
    expect([await lotQuantity(k.lots.r1), await lotQuantity(k.lots.u)]).toEqual([1_000, 100]);
    expect(await producedLots(k.producedPart)).toEqual([
      expect.objectContaining({ code: produced!.code, quantity: 0, status: 'cancelled' }),
    ]);
    const ledger = (await ctx.api('GET', `/api/v1/lots/${produced!.code}/ledger`)).body.items as {
      reason: string;
      delta: number;
    }[];
    expect(ledger.map((l) => [l.reason, l.delta])).toEqual([
      ['build_produce', 6],
      ['build_cancel', -6],
    ]);
    const consumption = (await ctx.api('GET', `/api/v1/builds/${code}/consumption`)).body.items as {
      lotCode: string;
      quantity: number;
      returned: number;
    }[];
    expect(consumption.map((c) => [c.lotCode, c.quantity, c.returned])).toEqual([
      [k.lots.r1, 12, 12],
      [k.lots.u, 6, 6],
    ]);
    await expectLedgerBalanced(ctx);
  });
});

describe('serial numbers', () => {
  it('never reuses formatted serials of a cancelled build', async () => {
    const k = await kit({ serialFormat: 'CX-{seq:03}' });
    const cancelled = await build({
      project: k.project,
      quantity: 3,
      trackUnits: true,
      stages: ['Assembly'],
    });
    await settledBuild(ctx, cancelled, generated(3));
    expect((await units(cancelled)).map((u) => u.serialLabel)).toEqual(['CX-001', 'CX-002', 'CX-003']);
    const res = await ctx.api('POST', `/api/v1/builds/${cancelled}/cancel`, { body: { reason: 'x' } });
    expect(res.status, res.text).toBe(202);
    await settledBuild(ctx, cancelled, (b) => b.status === 'cancelled');

    const next = await build({ project: k.project, quantity: 2, trackUnits: true });
    await settledBuild(ctx, next, (b) => b.status === 'completed');
    expect((await units(next)).map((u) => [u.serial, u.serialLabel])).toEqual([
      [1, 'CX-004'],
      [2, 'CX-005'],
    ]);
    // The cancelled build's units keep their serials (cancelled, not deleted).
    expect((await units(cancelled)).map((u) => [u.serialLabel, u.status])).toEqual([
      ['CX-001', 'cancelled'],
      ['CX-002', 'cancelled'],
      ['CX-003', 'cancelled'],
    ]);
  });
});

describe('scrapping completed units', () => {
  it('scraps a unit of a completed build: it moves from completed to scrapped', async () => {
    const k = await kit();
    const code = await build({ project: k.project, quantity: 4, trackUnits: true });
    await settledBuild(ctx, code, (b) => b.status === 'completed');
    const res = await ctx.api('POST', `/api/v1/builds/${code}/units/scrap`, {
      body: { serials: [2], reason: 'dropped on the floor' },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ scrapped: [2], skipped: [] });
    const b = await settledBuild(ctx, code);
    expect(b).toMatchObject({ status: 'completed', progress: { completed: 3, scrapped: 1, quantity: 4 } });
    expect(b.unitCounts).toEqual({ available: 3, scrapped: 1 });
    await expectLedgerBalanced(ctx);
  });

  it('scraps a completed unit of a partially completed build, then completes the rest', async () => {
    const k = await kit();
    const code = await build({ project: k.project, quantity: 4, trackUnits: true, stages: ['Assembly'] });
    await settledBuild(ctx, code, generated(4));
    await ctx.api('POST', `/api/v1/builds/${code}/advance`, { body: {} });
    await settledBuild(ctx, code);
    await ctx.api('POST', `/api/v1/builds/${code}/complete`, { body: { serials: [1, 2] } });
    await settledBuild(ctx, code);
    const res = await ctx.api('POST', `/api/v1/builds/${code}/units/scrap`, {
      body: { serials: [1, 3], reason: 'failed burn-in' },
    });
    expect(res.status, res.text).toBe(200);
    let b = await settledBuild(ctx, code);
    expect(b).toMatchObject({ status: 'in_progress', progress: { completed: 1, scrapped: 2 } });
    expect((await ctx.api('POST', `/api/v1/builds/${code}/complete`, { body: {} })).status).toBe(202);
    b = await settledBuild(ctx, code, (x) => x.status === 'completed');
    expect(b.progress).toMatchObject({ completed: 2, scrapped: 2, quantity: 4 });
    expect(b.unitCounts).toEqual({ available: 2, scrapped: 2 });
    await expectLedgerBalanced(ctx);
  });

  it('scraps a unit while a single-stage build is still generating; the build completes without it', async () => {
    const QUANTITY = 10_000;
    const component = await f.part();
    await f.lot({ part: component.code, quantity: QUANTITY });
    const project = await f.project({ lines: [{ part: component.code, quantity: 1 }] });
    // The interleaving is fixed, not raced: the generation queue is paused, so the start runs but
    // no worker takes the generation; the test writes the first chunk with the worker's own command
    // and holds it at that chunk boundary, scraps, then lets the worker write the rest.
    const generation = ctx.queues.get('lots');
    await generation.pause();
    let code: string;
    try {
      code = await build({ project: project.code, quantity: QUANTITY, trackUnits: true });
      const started = await waitFor(async () => {
        const b = (await ctx.api('GET', `/api/v1/builds/${code}`)).body;
        return b.status === 'in_progress' ? b : undefined;
      }, 'the start');
      expect(started.progress).toMatchObject({ generated: 0 });
      const { id: buildId } = (await ctx.db('builds').where({ code }).first('id')) as { id: number };
      const hold = new Error('held at the first chunk boundary');
      await expect(
        generateUnits(ctx, { buildId }, { chunkSize: CHUNK, onProgress: () => Promise.reject(hold) }),
      ).rejects.toBe(hold);
      const during = (await ctx.api('GET', `/api/v1/builds/${code}`)).body;
      expect(during).toMatchObject({ status: 'in_progress', progress: { generated: CHUNK } });
      const res = await ctx.api('POST', `/api/v1/builds/${code}/units/scrap`, {
        body: { serials: [1], reason: 'tombstoned resistor' },
      });
      expect(res.status, res.text).toBe(200);
      expect(res.body).toEqual({ scrapped: [1], skipped: [] });
    } finally {
      await generation.resume();
    }
    const b = await settledBuild(ctx, code, (x) => x.status === 'completed');
    expect(b.progress).toMatchObject({ generated: QUANTITY, completed: QUANTITY - 1, scrapped: 1 });
    expect(b.unitCounts).toEqual({ available: QUANTITY - 1, scrapped: 1 });
    const completed = (await ctx
      .db('events')
      .where({ stream: `build:${code}`, type: 'build.completed' })
      .first('data')) as { data: Record<string, unknown> };
    expect(completed.data).toMatchObject({ completed: QUANTITY - 1, scrapped: 1 });
    // (Scrapping once generation has finished is the completed-build case above.)
  }, 120_000);
});

describe('starting a planned build', () => {
  it('answers a shortage through POST /builds/{code}/start and changes nothing', async () => {
    const k = await kit({ uStock: 10, rStock: 15 });
    const code = await build({ project: k.project, quantity: 12, start: false });
    const before = await databaseFingerprint(ctx);
    const res = await ctx.api('POST', `/api/v1/builds/${code}/start`, { body: {} });
    expect(res.status, res.text).toBe(422);
    expect(res.body.shortages).toEqual([
      { part: k.parts.r, partName: 'R 10k', needed: 24, available: 15 },
      { part: k.parts.u, partName: 'MCU', needed: 12, available: 10 },
    ]);
    expect(res.body.detail).toMatch(new RegExp(`build ${code}`));
    expect(await databaseFingerprint(ctx)).toBe(before);
    expect((await ctx.api('GET', `/api/v1/builds/${code}`)).body).toMatchObject({
      status: 'planned',
      operations: [],
    });
  });
});

describe('progress', () => {
  it('shows the units generated so far while a 20,000-unit build generates them', async () => {
    const QUANTITY = 20_000;
    const component = await f.part();
    await f.lot({ part: component.code, quantity: QUANTITY });
    const project = await f.project({ lines: [{ part: component.code, quantity: 1 }] });
    const code = await build({ project: project.code, quantity: QUANTITY, trackUnits: true });
    const buildId = Number((await ctx.db('builds').where({ code }).first('id')).id);
    // Unit generation is an operation of the build's own, requested by its start.
    const generation = async () =>
      (await ctx.db('build_operations').where({ build_id: buildId, kind: 'generate' }).first('id')) as
        { id: number } | undefined;
    const jobId = `build-op-${(await waitFor(generation, 'the start to request the units')).id}`;

    const seen: { generated: number; generatedPercent: number }[] = [];
    const jobSeen: { generated: number; api: number }[] = [];
    for (const deadline = Date.now() + 120_000; Date.now() < deadline;) {
      // The job's progress is read first: it is reported after its chunk commits, so the API (the
      // committed counter) can only be at or ahead of it.
      const job = await ctx.queues.getJob('lots', jobId);
      const jobProgress = job?.progress as { generated?: number } | undefined;
      const res = await ctx.api('GET', `/api/v1/builds/${code}`);
      const progress = res.body.progress as { generated: number; generatedPercent: number };
      seen.push(progress);
      if (typeof jobProgress?.generated === 'number')
        jobSeen.push({ generated: jobProgress.generated, api: progress.generated });
      if (res.body.status === 'completed') break;
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(seen.at(-1)).toEqual({
      generated: QUANTITY,
      completed: QUANTITY,
      scrapped: 0,
      cancelled: 0,
      quantity: QUANTITY,
      generatedPercent: 100,
      completedPercent: 100,
    });
    const midway = seen.filter((p) => p.generatedPercent > 0 && p.generatedPercent < 100);
    expect(midway.length).toBeGreaterThan(0);
    // Progress moves in whole chunks and never backwards.
    expect(seen.every((p) => p.generated % CHUNK === 0)).toBe(true);
    expect(seen.map((p) => p.generated)).toEqual([...seen.map((p) => p.generated)].sort((a, b) => a - b));
    for (const { generated: g, generatedPercent } of seen)
      expect(generatedPercent).toBe(Math.floor((g / QUANTITY) * 100));
    expect(jobSeen.length).toBeGreaterThan(0);
    expect(jobSeen.every((s) => s.api >= s.generated)).toBe(true);
    const job = await ctx.queues.getJob('lots', jobId);
    expect(job?.progress).toEqual({ generated: QUANTITY, quantity: QUANTITY, percent: 100 });
    const counted = (await ctx.db('lots').where({ build_id: buildId }).count('* as n')) as { n: number }[];
    expect(Number(counted[0]!.n)).toBe(QUANTITY);
  }, 180_000);
});

describe('trace and recall filters', () => {
  interface Setup {
    reel: string;
    old: string;
    recent: string;
    oldUnits: string[];
    recentUnits: string[];
    scrapped: string;
  }
  let s: Setup;

  /** Two tracked builds from one resistor reel: one started in June 2025, one today (one unit scrapped). */
  beforeAll(async () => {
    const k = await kit();
    const old = await build({ project: k.project, quantity: 3, trackUnits: true });
    await settledBuild(ctx, old, (b) => b.status === 'completed');
    await ctx.db('builds').where({ code: old }).update({ started_at: '2025-06-15T12:00:00Z' });
    const recent = await build({ project: k.project, quantity: 4, trackUnits: true });
    await settledBuild(ctx, recent, (b) => b.status === 'completed');
    const scrap = await ctx.api('POST', `/api/v1/builds/${recent}/units/scrap`, {
      body: { serials: [2], reason: 'dropped' },
    });
    expect(scrap.status, scrap.text).toBe(200);
    const recentUnits = (await units(recent)).map((u) => u.code);
    s = {
      reel: k.lots.r1,
      old,
      recent,
      oldUnits: (await units(old)).map((u) => u.code),
      recentUnits,
      scrapped: recentUnits[1]!,
    };
  });

  const forward = async (query: string) => {
    const res = await ctx.api('GET', `/api/v1/trace/forward/${s.reel}?limit=100&${query}`);
    expect(res.status, res.text).toBe(200);
    return {
      total: res.body.total as number,
      codes: (res.body.items as { code: string }[]).map((i) => i.code).sort(),
    };
  };
  const sorted = (codes: string[]) => [...codes].sort();

  it('forward trace by status returns exactly the devices in that status', async () => {
    expect(await forward('status=scrapped')).toEqual({ total: 1, codes: [s.scrapped] });
    const available = sorted([...s.oldUnits, ...s.recentUnits.filter((c) => c !== s.scrapped)]);
    expect(await forward('status=available')).toEqual({ total: 6, codes: available });
    expect((await forward('status=available,scrapped')).total).toBe(7);
  });

  it('forward trace by build date returns the devices of the builds started in the range', async () => {
    expect(await forward('from=2025-06-01&to=2025-06-30')).toEqual({ total: 3, codes: sorted(s.oldUnits) });
    expect(await forward('from=2025-06-15&to=2025-06-15')).toEqual({ total: 3, codes: sorted(s.oldUnits) });
    const today = new Date().toISOString().slice(0, 10);
    expect(await forward(`from=${today}`)).toEqual({ total: 4, codes: sorted(s.recentUnits) });
    expect(await forward(`to=${today}`)).toEqual({
      total: 7,
      codes: sorted([...s.oldUnits, ...s.recentUnits]),
    });
    expect(await forward(`from=2025-06-01&status=scrapped`)).toEqual({ total: 1, codes: [s.scrapped] });
    expect((await forward('from=2025-06-01&to=2025-06-30&status=scrapped')).total).toBe(0);
  });

  it('a recall with status and build dates reports exactly those devices', async () => {
    const cases: { body: Record<string, unknown>; expected: string[] }[] = [
      { body: { status: ['scrapped'] }, expected: [s.scrapped] },
      { body: { from: '2025-06-01', to: '2025-06-30' }, expected: s.oldUnits },
      {
        body: { status: ['available'], from: new Date().toISOString().slice(0, 10) },
        expected: s.recentUnits.filter((c) => c !== s.scrapped),
      },
    ];
    for (const { body, expected } of cases) {
      const res = await ctx.api('POST', '/api/v1/recalls', {
        body: { lot: s.reel, reason: 'reel out of tolerance', unitsOnly: true, ...body },
      });
      expect(res.status, res.text).toBe(202);
      const id = res.body.id as number;
      expect(await settledRecall(id)).toMatchObject({ status: 'done', devices: expected.length });
      const lines = await recallReport(id);
      expect(lines.map((l) => l.split(',')[0]).sort(), JSON.stringify(body)).toEqual(sorted(expected));
    }
  });
});
