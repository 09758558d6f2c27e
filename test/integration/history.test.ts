/**
 * Device lifecycle and history through the API and real workers: every lifecycle move (allowed and
 * refused), every history event kind and corrections, repairs that swap a component lot or a
 * serialized sub-assembly unit — with traces before and after —, required tests that quarantine a
 * unit and block completion unless forced, and 1,000 test results in one request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { factories } from '../factories.ts';
import { settledBuild, startBackground, type Background } from '../helpers/background.ts';
import { createTestContext, databaseFingerprint, type TestContext } from '../helpers/context.ts';

let ctx: TestContext;
let bg: Background;
let f: ReturnType<typeof factories>;

interface Unit {
  code: string;
  serial: number;
  status: string;
  quantity: number;
}

interface Item {
  id: number;
  kind: string;
  summary: string;
  actor: string;
  data: Record<string, unknown>;
  corrects: number | null;
  correctedBy: number[];
}

/** A project (R×2, U×1 per unit) with stock, and a tracked build of it, settled. */
async function trackedBuild(options: { quantity?: number; stages?: string[]; required?: string[] } = {}) {
  const quantity = options.quantity ?? 3;
  const r = await f.part({ name: 'R 10k' });
  const u = await f.part({ name: 'MCU' });
  const rLot = await f.lot({ part: r.code, quantity: 10 * quantity, supplier: 'Mouser' });
  const uLot = await f.lot({ part: u.code, quantity: 2 * quantity, supplier: 'DigiKey' });
  const project = await f.project({
    lines: [
      { part: r.code, quantity: 2 },
      { part: u.code, quantity: 1, designators: ['U1'] },
    ],
  });
  if (options.required) {
    const res = await ctx.api('PUT', `/api/v1/projects/${project.code}/required-tests`, {
      body: { tests: options.required },
    });
    expect(res.status, res.text).toBe(200);
  }
  const res = await ctx.api('POST', '/api/v1/builds', {
    body: { project: project.code, quantity, trackUnits: true, stages: options.stages ?? [] },
  });
  expect(res.status, res.text).toBe(201);
  const build = (res.body.build as { code: string }).code;
  await settledBuild(ctx, build, (b) => (b.progress as { generated: number }).generated === quantity);
  return { build, project, parts: { r, u }, lots: { r: rLot.code, u: uLot.code }, units: await units(build) };
}

async function units(build: string): Promise<Unit[]> {
  return (await ctx.api('GET', `/api/v1/builds/${build}/units?limit=500`)).body.items as Unit[];
}

async function history(code: string, query = ''): Promise<Item[]> {
  const res = await ctx.api('GET', `/api/v1/lots/${code}/history?limit=500${query}`);
  expect(res.status, res.text).toBe(200);
  return res.body.items as Item[];
}

async function post(path: string, body: Record<string, unknown>, status = 200) {
  const res = await ctx.api('POST', `/api/v1${path}`, { body });
  expect(res.status, res.text).toBe(status);
  return res.body;
}

async function lotStatus(code: string) {
  const lot = (await ctx.api('GET', `/api/v1/lots/${code}`)).body;
  return [lot.status, lot.quantity];
}

async function outbox(code: string) {
  return (
    (await ctx
      .db('events')
      .where({ stream: `lot:${code}` })
      .orderBy('sequence')) as { type: string; data: Record<string, unknown> }[]
  ).map((e) => e.type);
}

const forwardCodes = async (lot: string) =>
  ((await ctx.api('GET', `/api/v1/trace/forward/${lot}?limit=500`)).body.items as { code: string }[])
    .map((i) => i.code)
    .sort();

type Node = {
  lot: { code: string; partName: string };
  components: { quantity: number; installedBy?: number; node: Node }[];
  contains: Node[];
};
const backward = async (code: string) =>
  (await ctx.api('GET', `/api/v1/trace/backward/${code}`)).body as unknown as Node;

beforeAll(async () => {
  ctx = await createTestContext();
  f = factories({ uow: ctx.uow });
  bg = await startBackground(ctx);
});
afterAll(async () => {
  await bg?.stop();
  await ctx?.close();
});

describe('device lifecycle', () => {
  it('ships, takes back, repairs, restocks, ships again and disposes a device, refusing what does not fit', async () => {
    const {
      units: [unit],
    } = await trackedBuild();
    const code = unit!.code;
    expect(unit!.status).toBe('available');
    expect((await ctx.api('GET', `/api/v1/lots/${code}/lifecycle`)).body).toMatchObject({
      status: 'available',
      isDevice: true,
      allowed: ['ship', 'quarantine', 'scrap', 'dispose'],
    });

    const refusedReturn = await ctx.api('POST', `/api/v1/lots/${code}/return`, {
      body: { rma: 'RMA-1', reason: 'x' },
    });
    expect(refusedReturn.status).toBe(422);
    expect(refusedReturn.body.detail).toBe(
      `cannot return device ${code}: it is available; allowed now: ship, quarantine, scrap, dispose`,
    );
    expect(refusedReturn.body.allowed).toEqual(['ship', 'quarantine', 'scrap', 'dispose']);

    const shipped = await post(`/lots/${code}/ship`, {
      customer: 'Acme GmbH',
      order: 'SO-1001',
      shippedOn: '2026-11-20',
    });
    expect((shipped.lot as { status: string }).status).toBe('shipped');
    expect(await lotStatus(code)).toEqual(['shipped', 1]);

    await post(`/lots/${code}/return`, { rma: 'RMA-77', reason: 'no display', receivedOn: '2026-11-25' });
    const early = await ctx.api('POST', `/api/v1/lots/${code}/restock`, { body: {} });
    expect(early.status).toBe(422);
    expect(early.body.detail).toMatch(
      /returned and has no repair or service recorded since; record one first; allowed now: quarantine, scrap, dispose/,
    );
    const shipEarly = await ctx.api('POST', `/api/v1/lots/${code}/ship`, { body: { customer: 'Acme GmbH' } });
    expect(shipEarly.status).toBe(422);

    await post(
      `/lots/${code}/repair`,
      { symptom: 'no display', cause: 'cold joint', action: 'reflowed J3' },
      201,
    );
    expect((await ctx.api('GET', `/api/v1/lots/${code}/lifecycle`)).body).toMatchObject({
      status: 'returned',
      repairedSinceReturn: true,
      allowed: ['ship', 'restock', 'quarantine', 'scrap', 'dispose'],
    });
    await post(`/lots/${code}/restock`, { note: 'repaired, tested' });
    expect(await lotStatus(code)).toEqual(['available', 1]);
    await post(`/lots/${code}/ship`, { customer: 'Beta AG' });

    // Shipped again and returned again: the earlier repair does not count for this return.
    await post(`/lots/${code}/return`, { rma: 'RMA-90', reason: 'end of lease' });
    expect((await ctx.api('POST', `/api/v1/lots/${code}/restock`, { body: {} })).status).toBe(422);
    await post(`/lots/${code}/service`, { description: 'inspected, no fault found' }, 201);
    await post(`/lots/${code}/ship`, { customer: 'Gamma Ltd', order: 'SO-2' });

    const disposed = await post(`/lots/${code}/dispose`, {
      method: 'recycled',
      certificate: 'WEEE-2026-0042',
    });
    expect((disposed.lot as { status: string; quantity: number }).status).toBe('disposed');
    expect(await lotStatus(code)).toEqual(['disposed', 0]);
    const after = await ctx.api('GET', `/api/v1/lots/${code}/lifecycle`);
    expect(after.body.allowed).toEqual([]);
    for (const [action, body] of [
      ['ship', { customer: 'x' }],
      ['return', { rma: 'r', reason: 'x' }],
      ['restock', {}],
      ['scrap', { reason: 'x' }],
      ['dispose', { method: 'destroyed' }],
    ] as const) {
      const res = await ctx.api('POST', `/api/v1/lots/${code}/${action}`, { body });
      expect(res.status, action).toBe(422);
      expect(res.body.detail).toMatch(/it is disposed; allowed now: nothing/);
    }
    expect(
      (await ctx.api('POST', `/api/v1/lots/${code}/repair`, { body: { symptom: 'x', action: 'y' } })).status,
    ).toBe(422);

    expect((await history(code)).map((e) => e.summary)).toEqual([
      'Shipped to Acme GmbH (order SO-1001) on 2026-11-20',
      'Returned under RMA RMA-77: no display',
      'Repair: reflowed J3 (symptom: no display)',
      'Status returned → available: repaired, tested',
      expect.stringMatching(/^Shipped to Beta AG on \d{4}-\d\d-\d\d$/),
      expect.stringMatching(/^Returned under RMA RMA-90: end of lease/),
      'Service: inspected, no fault found',
      expect.stringMatching(/^Shipped to Gamma Ltd \(order SO-2\)/),
      'Disposed (recycled), certificate WEEE-2026-0042',
    ]);
    // Every move: lot.status_changed and lot.event_recorded; repair and service: lot.event_recorded only.
    const types = await outbox(code);
    expect(types.filter((t) => t === 'lot.status_changed')).toHaveLength(7);
    expect(types.filter((t) => t === 'lot.event_recorded')).toHaveLength(9);
  });

  it('scraps devices (through the build while in production), quarantines and releases them on the timeline', async () => {
    const { build, units: list } = await trackedBuild({ quantity: 3, stages: ['Assembly'] });
    const [a, b] = list;
    expect(a!.status).toBe('in_production');
    await post(`/lots/${a!.code}/scrap`, { reason: 'dropped' });
    expect(await lotStatus(a!.code)).toEqual(['scrapped', 0]);
    const detail = (await ctx.api('GET', `/api/v1/builds/${build}`)).body;
    expect((detail.progress as { scrapped: number }).scrapped).toBe(1);

    await post(`/lots/${b!.code}/quarantine`, { reason: 'visual check' });
    await post(`/lots/${b!.code}/release`, { reason: 'looks fine' });
    expect(await lotStatus(b!.code)).toEqual(['in_production', 1]);
    expect((await history(b!.code)).map((e) => e.summary)).toEqual([
      'Status in_production → quarantined: visual check',
      'Status quarantined → in_production: looks fine',
    ]);
    // Quarantined while in production, it is scrapped through its build all the same, which counts it.
    const c = list[2]!;
    await post(`/lots/${c.code}/quarantine`, { reason: 'visual check' });
    await post(`/lots/${c.code}/scrap`, { reason: 'burnt' });
    expect(await lotStatus(c.code)).toEqual(['scrapped', 0]);
    expect((await history(c.code)).map((e) => e.summary).at(-1)).toBe('Status quarantined → scrapped: burnt');
    const after = (await ctx.api('GET', `/api/v1/builds/${build}`)).body;
    expect((after.progress as { scrapped: number }).scrapped).toBe(2);

    // A plain lot is no device.
    const plain = await f.lot();
    const res = await ctx.api('POST', `/api/v1/lots/${plain.code}/ship`, { body: { customer: 'x' } });
    expect(res.status).toBe(422);
    expect(res.body.detail).toMatch(/is not a device .* lots keep the stock statuses/);
    expect((await ctx.api('GET', `/api/v1/lots/${plain.code}/lifecycle`)).body).toMatchObject({
      isDevice: false,
      allowed: ['quarantine'],
    });

    // A completed device is scrapped by itself, with a ledger entry.
    await ctx.api('POST', `/api/v1/builds/${build}/advance`, { body: {} });
    await settledBuild(ctx, build);
    await ctx.api('POST', `/api/v1/builds/${build}/complete`, { body: {} });
    await settledBuild(ctx, build, (x) => x.status === 'completed');
    await post(`/lots/${b!.code}/scrap`, { reason: 'water damage' });
    const ledger = (await ctx.api('GET', `/api/v1/lots/${b!.code}/ledger`)).body.items as {
      reason: string;
    }[];
    expect(ledger.map((l) => l.reason)).toEqual(['build_produce', 'scrap']);
  });
});

describe('history events', () => {
  it('records every kind, lists them with summaries, and corrects by appending', async () => {
    const {
      units: [unit],
    } = await trackedBuild();
    const code = unit!.code;
    const note = await post(`/lots/${code}/notes`, { text: 'Customer asked for a calibration report' }, 201);
    const test = await post(
      `/lots/${code}/test-results`,
      {
        test: 'Functional',
        passed: true,
        measurements: { vcc_mV: 3301, fw: '1.4.2' },
        station: 'fct-1',
        operator: 'alice',
        startedAt: '2026-11-29T10:00:00Z',
        finishedAt: '2026-11-29T10:02:30Z',
      },
      201,
    );
    expect(test).toMatchObject({ lot: code, passed: true, required: false, quarantined: false });
    await post(`/lots/${code}/service`, { description: 'Calibrated', notes: 'ref. CAL-7' }, 201);
    await post(`/lots/${code}/quarantine`, { reason: 'audit sample' });
    await post(`/lots/${code}/release`, {});
    await post(`/lots/${code}/ship`, { customer: 'Acme' });
    await post(`/lots/${code}/return`, { rma: 'RMA-5', reason: 'wrong variant' });
    await post(`/lots/${code}/repair`, { symptom: 'n/a', action: 'relabelled' }, 201);
    await post(`/lots/${code}/dispose`, { method: 'destroyed' });

    const shipped = (await history(code, '&kind=shipped'))[0]!;
    const correction = await post(
      `/lots/${code}/history/${shipped.id}/corrections`,
      { reason: 'customer name misspelt', details: { customer: 'ACME Corp.' } },
      201,
    );
    expect(correction).toMatchObject({
      kind: 'correction',
      corrects: shipped.id,
      summary: 'Correction: customer name misspelt',
    });

    const items = await history(code);
    expect(items.map((i) => i.kind)).toEqual([
      'note',
      'test_result',
      'service',
      'status_changed',
      'status_changed',
      'shipped',
      'returned',
      'repair',
      'disposed',
      'correction',
    ]);
    expect(items[0]).toMatchObject({
      id: note.id,
      summary: 'Customer asked for a calibration report',
      actor: 'token:test-admin',
    });
    expect(items[1]!.data).toMatchObject({
      measurements: { vcc_mV: 3301, fw: '1.4.2' },
      operator: 'alice',
      station: 'fct-1',
    });
    expect(items[5]!.correctedBy).toEqual([correction.id]);
    // Newest first, filtered, paginated.
    const newest = await ctx.api('GET', `/api/v1/lots/${code}/history?order=desc&limit=2`);
    expect((newest.body.items as Item[]).map((i) => i.kind)).toEqual(['correction', 'disposed']);
    const next = await ctx.api(
      'GET',
      `/api/v1/lots/${code}/history?order=desc&limit=2&cursor=${newest.body.nextCursor as string}`,
    );
    expect((next.body.items as Item[]).map((i) => i.kind)).toEqual(['repair', 'returned']);
    expect((await ctx.api('GET', `/api/v1/lots/${code}/history?kind=bogus`)).status).toBe(400);

    // Corrections are not corrected; events are corrected on their own lot only.
    const again = await ctx.api(
      'POST',
      `/api/v1/lots/${code}/history/${correction.id as number}/corrections`,
      {
        body: { reason: 'x' },
      },
    );
    expect(again.status).toBe(422);
    const other = await f.lot();
    const elsewhere = await ctx.api('POST', `/api/v1/lots/${other.code}/history/${shipped.id}/corrections`, {
      body: { reason: 'x' },
    });
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.body.errors).toEqual([expect.objectContaining({ field: 'id' })]);

    // Append-only in the database too.
    await expect(ctx.db('history_events').where({ id: note.id }).update({ data: {} })).rejects.toThrow(
      /append-only/,
    );
    await expect(ctx.db('history_events').where({ id: note.id }).delete()).rejects.toThrow(/append-only/);

    // Every event announced in the outbox as lot.event_recorded, with what subscribers need.
    const recorded = (await ctx
      .db('events')
      .where({ stream: `lot:${code}`, type: 'lot.event_recorded' })
      .orderBy('sequence')) as { data: Record<string, unknown> }[];
    expect(recorded).toHaveLength(10);
    expect(recorded[1]!.data).toMatchObject({
      lot: code,
      build: expect.any(String),
      serial: 1,
      kind: 'test_result',
      test: 'Functional',
      passed: true,
      station: 'fct-1',
    });
    // Notes can be taken on any lot.
    await post(`/lots/${other.code}/notes`, { text: 'reel re-sealed' }, 201);
  });
});

describe('repairs and genealogy', () => {
  it('swaps a component lot: stock, history and both traces follow the repair', async () => {
    const kit = await trackedBuild({ quantity: 3 });
    const [d1, d2] = kit.units;
    const spare = await f.lot({ part: kit.parts.u.code, quantity: 5, supplier: 'Arrow' });
    expect(await forwardCodes(kit.lots.u)).toEqual(kit.units.map((u) => u.code).sort());
    expect(await forwardCodes(spare.code)).toEqual([]);

    const repair = await post(
      `/lots/${d1!.code}/repair`,
      {
        symptom: 'does not boot',
        cause: 'MCU damaged by ESD',
        action: 'replaced U1',
        replacements: [{ removed: kit.lots.u, installed: spare.code, designators: ['U1'] }],
      },
      201,
    );
    expect(repair.summary).toBe(
      `Repair: replaced U1 (symptom: does not boot); MCU ${kit.lots.u} → ${spare.code}`,
    );
    expect(await lotStatus(spare.code)).toEqual(['available', 4]);
    const ledger = (await ctx.api('GET', `/api/v1/lots/${spare.code}/ledger`)).body.items as {
      reason: string;
      delta: number;
      note: string;
    }[];
    expect(ledger.at(-1)).toMatchObject({ reason: 'repair', delta: -1 });
    expect(ledger.at(-1)!.note).toContain(d1!.code);

    // Forward: the old MCU reel no longer reaches the repaired device; the spare reel does.
    expect(await forwardCodes(kit.lots.u)).toEqual([d2!.code, kit.units[2]!.code].sort());
    expect(await forwardCodes(spare.code)).toEqual([d1!.code]);
    expect(await forwardCodes(kit.lots.r)).toEqual(kit.units.map((u) => u.code).sort());
    // Backward: the device shows what it holds now; its siblings are unchanged.
    const tree = await backward(d1!.code);
    expect(tree.components.map((c) => [c.node.lot.code, c.installedBy ?? null])).toEqual([
      [kit.lots.r, null],
      [spare.code, repair.id],
    ]);
    expect((await backward(d2!.code)).components.map((c) => c.node.lot.code)).toEqual([
      kit.lots.r,
      kit.lots.u,
    ]);

    // Replaced again from the same reel: the device still holds parts of it.
    await post(
      `/lots/${d1!.code}/repair`,
      {
        symptom: 'intermittent reset',
        action: 'replaced U1 again',
        replacements: [{ removed: spare.code, installed: spare.code }],
      },
      201,
    );
    expect(await lotStatus(spare.code)).toEqual(['available', 3]);
    expect(await forwardCodes(spare.code)).toEqual([d1!.code]);
    expect((await backward(d1!.code)).components.map((c) => c.node.lot.code)).toEqual([
      kit.lots.r,
      spare.code,
    ]);

    // Refusals change nothing.
    const otherPart = await f.lot();
    const before = await databaseFingerprint(ctx);
    const notInDevice = await ctx.api('POST', `/api/v1/lots/${d1!.code}/repair`, {
      body: { symptom: 'x', action: 'y', replacements: [{ removed: kit.lots.u, installed: spare.code }] },
    });
    expect(notInDevice.status).toBe(422);
    expect(notInDevice.body.detail).toMatch(/replacements.0.removed: lot .* is not in device/);
    const wrongPart = await ctx.api('POST', `/api/v1/lots/${d1!.code}/repair`, {
      body: { symptom: 'x', action: 'y', replacements: [{ removed: kit.lots.r, installed: otherPart.code }] },
    });
    expect(wrongPart.status).toBe(400);
    expect(wrongPart.body.errors).toEqual([expect.objectContaining({ field: 'replacements.0.installed' })]);
    const tooFew = await ctx.api('POST', `/api/v1/lots/${d1!.code}/repair`, {
      body: { symptom: 'x', action: 'y', replacements: [{ installed: spare.code, quantity: 99 }] },
    });
    expect(tooFew.status).toBe(422);
    expect(await databaseFingerprint(ctx)).toBe(before);
  });

  it('swaps a serialized sub-assembly unit: links, stock and traces follow', async () => {
    const modules = await trackedBuild({ quantity: 3 });
    // A spare module from a second batch, made with another resistor reel.
    const extraR = await f.lot({ part: modules.parts.r.code, quantity: 10, supplier: 'Farnell' });
    const spareBuild = await ctx.api('POST', '/api/v1/builds', {
      body: { project: modules.project.code, quantity: 1, trackUnits: true, lots: [{ lot: extraR.code }] },
    });
    const spareBuildCode = (spareBuild.body.build as { code: string }).code;
    await settledBuild(ctx, spareBuildCode, (b) => b.status === 'completed');
    const [spareModule] = await units(spareBuildCode);

    const screw = await f.part({ name: 'Screw' });
    await f.lot({ part: screw.code, quantity: 100 });
    const board = await f.project({
      lines: [
        { part: modules.project.producesPartCode, quantity: 1 },
        { part: screw.code, quantity: 2 },
      ],
    });
    const boardBuild = await ctx.api('POST', '/api/v1/builds', {
      body: { project: board.code, quantity: 3, trackUnits: true },
    });
    const boardCode = (boardBuild.body.build as { code: string }).code;
    await settledBuild(ctx, boardCode, (b) => b.status === 'completed');
    const boards = await units(boardCode);
    const m1 = modules.units[0]!.code;
    expect(await forwardCodes(m1)).toEqual([boards[0]!.code]);
    expect((await forwardCodes(modules.lots.r)).filter((c) => boards.some((b) => b.code === c))).toHaveLength(
      3,
    );

    await post(
      `/lots/${boards[0]!.code}/repair`,
      {
        symptom: 'no radio',
        action: 'replaced module',
        replacements: [{ removed: m1, installed: spareModule!.code }],
      },
      201,
    );
    // The removed module is back in stock, quarantined; the spare is inside the board.
    expect(await lotStatus(m1)).toEqual(['quarantined', 1]);
    expect(await lotStatus(spareModule!.code)).toEqual(['available', 0]);
    expect((await ctx.api('GET', `/api/v1/lots/${spareModule!.code}/lifecycle`)).body.heldBy).toBe(
      boards[0]!.code,
    );
    expect((await history(m1)).map((e) => e.summary)).toEqual([
      expect.stringMatching(
        new RegExp(`^Status available → quarantined: taken out of device ${boards[0]!.code}`),
      ),
    ]);

    // Traces: the old module reaches nothing (and does not spread to every board of the build),
    // the spare reaches the board, the spare's resistor reel reaches the board through it.
    expect(await forwardCodes(m1)).toEqual([]);
    expect(await forwardCodes(spareModule!.code)).toEqual([boards[0]!.code]);
    expect(await forwardCodes(extraR.code)).toEqual([spareModule!.code, boards[0]!.code].sort());
    const boardsFromOldReel = (await forwardCodes(modules.lots.r)).filter((c) =>
      boards.some((b) => b.code === c),
    );
    expect(boardsFromOldReel).toEqual([boards[1]!.code, boards[2]!.code].sort());
    const tree = await backward(boards[0]!.code);
    expect(tree.contains.map((n) => n.lot.code)).toEqual([spareModule!.code]);

    // A unit inside a device cannot move by itself.
    const held = await ctx.api('POST', `/api/v1/lots/${spareModule!.code}/ship`, { body: { customer: 'x' } });
    expect(held.status).toBe(422);
    expect(held.body.detail).toMatch(/inside device/);
  });
});

describe('test stations and required tests', () => {
  it('quarantines a unit that fails a required test and refuses completion without passing tests unless forced', async () => {
    const {
      build,
      project,
      units: list,
    } = await trackedBuild({
      quantity: 4,
      stages: ['Assembly'],
      required: ['ICT', 'Functional'],
    });
    expect((await ctx.api('GET', `/api/v1/projects/${project.code}/required-tests`)).body).toEqual({
      project: project.code,
      tests: ['ICT', 'Functional'],
    });
    const dup = await ctx.api('PUT', `/api/v1/projects/${project.code}/required-tests`, {
      body: { tests: ['ICT', 'ict'] },
    });
    expect(dup.status).toBe(400);
    expect(dup.body.errors).toEqual([expect.objectContaining({ field: 'tests.1' })]);

    for (const u of list)
      await post(
        `/builds/${build}/units/${u.serial}/test-results`,
        { test: 'ict', passed: true, station: 'ict-1' },
        201,
      );
    await post(`/lots/${list[0]!.code}/test-results`, { test: 'Functional', passed: true }, 201);
    // Unit 2 failed once, then passed: the latest result counts.
    await post(`/lots/${list[1]!.code}/test-results`, { test: 'Functional', passed: false }, 201);
    expect(await lotStatus(list[1]!.code)).toEqual(['quarantined', 1]);
    await post(`/lots/${list[1]!.code}/release`, { reason: 'retest' });
    await post(`/lots/${list[1]!.code}/test-results`, { test: 'Functional', passed: true }, 201);
    // Unit 3 fails at the station: quarantined, announced.
    const failed = await post(
      `/builds/${build}/units/3/test-results`,
      { test: 'Functional', passed: false, station: 'fct-2', measurements: { current_mA: 480 } },
      201,
    );
    expect(failed).toMatchObject({ serial: 3, required: true, quarantined: true, passed: false });
    expect(await lotStatus(list[2]!.code)).toEqual(['quarantined', 1]);
    const events = (await ctx
      .db('events')
      .where({ stream: `lot:${list[2]!.code}` })
      .orderBy('sequence')) as { type: string; data: Record<string, unknown> }[];
    expect(events.map((e) => e.type).slice(-3)).toEqual([
      'lot.event_recorded',
      'lot.status_changed',
      'lot.event_recorded',
    ]);
    expect(events.at(-3)!.data).toMatchObject({
      lot: list[2]!.code,
      build,
      serial: 3,
      test: 'Functional',
      passed: false,
      station: 'fct-2',
      required: true,
      quarantined: true,
    });
    expect(events.at(-2)!.data).toMatchObject({ from: 'in_production', to: 'quarantined' });

    await ctx.api('POST', `/api/v1/builds/${build}/advance`, { body: {} });
    await settledBuild(ctx, build);
    // Unit 4 has no Functional result: completion is refused, naming it; nothing changes.
    const before = await databaseFingerprint(ctx);
    const refused = await ctx.api('POST', `/api/v1/builds/${build}/complete`, { body: {} });
    expect(refused.status).toBe(422);
    expect(refused.body.detail).toMatch(/1 unit of build .* lack passing required tests: 4 \(Functional\)/);
    expect(refused.body.missingTests).toEqual([{ serial: 4, lot: list[3]!.code, tests: ['Functional'] }]);
    const noReason = await ctx.api('POST', `/api/v1/builds/${build}/complete`, { body: { force: true } });
    expect(noReason.status).toBe(400);
    expect(noReason.body.errors).toEqual([expect.objectContaining({ field: 'reason' })]);
    expect(await databaseFingerprint(ctx)).toBe(before);

    expect(
      (await ctx.api('POST', `/api/v1/builds/${build}/complete`, { body: { serials: '1-2' } })).status,
    ).toBe(202);
    await settledBuild(ctx, build);
    const forced = await ctx.api('POST', `/api/v1/builds/${build}/complete`, {
      body: { serials: [4], force: true, reason: 'tester down, customer approved deviation D-12' },
    });
    expect(forced.status, forced.text).toBe(202);
    await settledBuild(ctx, build);
    expect((await units(build)).map((u) => [u.serial, u.status])).toEqual([
      [1, 'available'],
      [2, 'available'],
      [3, 'quarantined'],
      [4, 'available'],
    ]);
    expect((await history(list[3]!.code)).at(-1)).toMatchObject({
      kind: 'status_changed',
      data: {
        forced: true,
        missingTests: ['Functional'],
        reason: 'tester down, customer approved deviation D-12',
      },
      summary:
        'Status in_production → available without required tests Functional (forced): tester down, customer approved deviation D-12',
    });

    // Unit 3: repaired, released, retested; then the build completes. A corrected pass does not count.
    await post(`/lots/${list[2]!.code}/repair`, { symptom: 'high current', action: 'replaced C4' }, 201);
    await post(`/lots/${list[2]!.code}/release`, {});
    const pass = await post(`/lots/${list[2]!.code}/test-results`, { test: 'Functional', passed: true }, 201);
    await post(
      `/lots/${list[2]!.code}/history/${pass.event as number}/corrections`,
      { reason: 'wrong unit scanned' },
      201,
    );
    expect((await ctx.api('POST', `/api/v1/builds/${build}/complete`, { body: {} })).status).toBe(422);
    await post(`/lots/${list[2]!.code}/test-results`, { test: 'Functional', passed: true }, 201);
    expect((await ctx.api('POST', `/api/v1/builds/${build}/complete`, { body: {} })).status).toBe(202);
    const done = await settledBuild(ctx, build, (b) => b.status === 'completed');
    expect(done.unitCounts).toEqual({ available: 4 });
  });

  it('takes 1,000 results in one request, all or nothing', async () => {
    const { build, units: list } = await trackedBuild({ quantity: 1000, required: ['Burn-in'] });
    expect(list).toHaveLength(500); // the first page: serials 1-500 by ID code, the rest by build and serial
    const results = Array.from({ length: 1000 }, (_, i) => {
      const serial = i + 1;
      const byCode = list.find((u) => u.serial === serial);
      return {
        ...(byCode ? { code: byCode.code } : { build, serial }),
        test: 'Burn-in',
        passed: serial % 100 !== 0,
        station: `rack-${serial % 4}`,
        measurements: { hours: 48, max_temp_C: 61.5 },
      };
    });

    const before = await databaseFingerprint(ctx);
    const bad = await ctx.api('POST', '/api/v1/test-results', {
      body: {
        results: results.map((r, i) => (i === 500 ? { ...r, code: undefined, build, serial: 1001 } : r)),
      },
    });
    expect(bad.status).toBe(404);
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'results.500.serial' })]);
    const illTyped = await ctx.api('POST', '/api/v1/test-results', {
      body: { results: results.map((r, i) => (i === 3 ? { ...r, passed: 'yes' } : r)) },
    });
    expect(illTyped.status).toBe(400);
    expect(illTyped.body.errors).toEqual([expect.objectContaining({ field: 'results.3.passed' })]);
    const tooMany = await ctx.api('POST', '/api/v1/test-results', {
      body: { results: [...results, results[0]] },
    });
    expect(tooMany.status).toBe(400);
    expect(await databaseFingerprint(ctx)).toBe(before);

    const started = Date.now();
    const res = await ctx.api('POST', '/api/v1/test-results', { body: { results } });
    const ms = Date.now() - started;
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ recorded: 1000, failed: 10, quarantined: 10 });
    expect((res.body.items as { index: number; serial: number }[])[999]).toMatchObject({
      index: 999,
      serial: 1000,
    });
    expect(ms).toBeLessThan(15_000);
    const counts = (await ctx.api('GET', `/api/v1/builds/${build}`)).body.unitCounts;
    expect(counts).toEqual({ available: 990, quarantined: 10 });
    const stored = await ctx
      .db('history_events as h')
      .join('lots as l', 'l.id', 'h.lot_id')
      .where({ 'l.build_id': ctx.db('builds').select('id').where({ code: build }), 'h.kind': 'test_result' })
      .count<{ n: number }[]>({ n: '*' });
    expect(Number(stored[0]!.n)).toBe(1000);
  });
});
